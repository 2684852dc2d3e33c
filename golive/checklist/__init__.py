"""The checklist: its models, YAML with positions, overlays (extend:) and features (without:)."""
