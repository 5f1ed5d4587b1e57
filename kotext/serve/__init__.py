"""``kotext serve``: a local web page and a REST API over kotext's pipelines.

``service`` holds the pipelines and the work (no web library); ``app`` is the Starlette
application over it; the click command is kotext.cli.serve. Nothing here is imported by
``import kotext``: the web libraries (the ``serve`` extra) load only when serving.
"""
