"""Consortium privacy core (issue #19): pseudonyms under a member-held key, contributions, thresholded answers.

Pure policy: no I/O, no web framework, standard library only. The service and the member client build on it."""
