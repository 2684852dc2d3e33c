"""golive's probe families, one module each; installed as `golive.checks`.

The mapping from checklist.yaml's probe kinds to these classes is golive/engine/registry.py.
"""
