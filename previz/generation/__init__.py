"""Shot generation: requests, the animatic and diffusers backends, the model catalog and the worker.

Importing this package (or ``request``, ``families``, ``catalog``, ``backends``, ``execute``,
``worker``) never imports torch; the diffusers backend imports it inside functions.

Entry points: ``execute.execute`` (run a ``request.GenerationRequest`` to an encoded file),
``execute.validate``, ``catalog.scan_models`` / ``catalog.find_model``, ``model_folders``.
"""
