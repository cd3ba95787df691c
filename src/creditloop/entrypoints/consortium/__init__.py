"""The consortium service (``creditloop consortium serve``, issue #19): FastAPI over the consortium core.

Members authenticate with their own keys, contribute signals and consents keyed by pseudonyms, and ask thresholded
questions; every question is audited durably before its answer leaves. Needs the ``service`` extra.
"""
