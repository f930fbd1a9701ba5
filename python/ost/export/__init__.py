"""Model exporters (stable command-line interface; see docs/Models.md)."""
