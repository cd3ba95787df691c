"""The REST API (``creditloop serve``, issue 18): FastAPI over the same bus and read views as the CLI.

Routes parse, authorise, call one command or view and render; the domain's rules stay in the domain. Needs the
``service`` extra (FastAPI, uvicorn); the lean ledger install never imports this package.
"""
