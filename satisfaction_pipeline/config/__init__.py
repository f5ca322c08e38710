"""Configuration, a shared leaf: everything the pipeline is told rather than computes.

- `settings`: `satisfaction.yaml` loaded and validated into typed settings, each problem
  reported as `key.path: what was expected (got …)`;
- `taxonomy`: the theme taxonomy files (packaged default, a team's own, `themes:` additions);
- `label_sets`: the built-in CSAT label sets a scale may name;
- `paths`: where the configuration, inbox, warehouse and reports are.

May import: nothing of the package. Everything else may import it.
"""
