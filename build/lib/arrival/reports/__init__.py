"""The nightly situation report (Lagebericht) to the Regierungspräsidium."""
