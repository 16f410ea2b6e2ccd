"""huiyin.core: the shared rules of huiyin.

The domain's words (:mod:`.domain`), the unit tree and jurisdiction (:mod:`.units`), the workflow as data
(:mod:`.workflow`), time (:mod:`.clock`), working-day deadlines (:mod:`.deadlines`) and the wire schemas
(:mod:`.schemas`). Both the server and the workbench import these; neither re-implements them.
This package imports nothing else of huiyin.
"""
