"""The app's version, shown in organiser pages' footer and the OpenAPI document (see CHANGELOG.md)."""
__version__ = "0.3.0"
