"""The extension points a feature plugs into, one registry per app.

Each feature package has `register(app)`; `create_app` calls them from one list. A feature
adds its blueprints, organiser-card links, OpenAPI paths, CLI commands and template globals
here, through the app it is given, never by changing another module's state at import time.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from flask import Blueprint, Flask, current_app

EXTENSION_KEY = "seminar.features"


@dataclass(frozen=True)
class ManageLink:
    """A button on the organiser's event card."""

    endpoint: str
    label: Any  # a lazy string, translated when shown
    right: str  # 'manage' or 'check_in'


@dataclass(frozen=True)
class PersonalData:
    """How a feature hands over and erases the personal data it keeps about registrations (152-FZ)."""

    name: str
    #: registration -> what is stored about that person (JSON-able), for "download my data".
    export: Callable[[Any], Any]
    #: registration ids -> how many rows were erased, when they are anonymised.
    erase: Callable[[list[int]], int]


@dataclass
class Features:
    """What the features have registered: read by the core, written only from `register(app)`."""

    app: Flask
    manage_links: list[ManageLink] = field(default_factory=list)
    api_paths: dict[str, dict] = field(default_factory=dict)
    api_schemas: dict[str, dict] = field(default_factory=dict)
    template_globals: dict[str, Any] = field(default_factory=dict)
    #: Template partials by slot, e.g. "personal" (sections of the personal page) or
    #: "registration_row" (actions in a row of the organiser's registration list).
    partials: dict[str, list[str]] = field(default_factory=dict)
    #: Functions by extension point, e.g. "certificate_sessions" (attendance gives certificates
    #: the sessions a person attended) or "survey_averages" (the survey gives the report its marks).
    hooks: dict[str, list[Any]] = field(default_factory=dict)
    #: The modules holding the features' queue jobs (imported: Huey knows a task once defined).
    job_modules: list[ModuleType] = field(default_factory=list)
    personal_data: list[PersonalData] = field(default_factory=list)

    def add_blueprint(self, bp: Blueprint, *, api: bool = False) -> None:
        """Register a blueprint; an API blueprint (under /api/v1, bearer tokens) skips CSRF."""
        self.app.register_blueprint(bp)
        if api:
            from .extensions import csrf

            csrf.exempt(bp)

    def add_link(self, endpoint: str, label: Any, right: str = "manage") -> None:
        """A link on the organiser's event card, shown to users with `right` on the event."""
        if all(link.endpoint != endpoint for link in self.manage_links):
            self.manage_links.append(ManageLink(endpoint, label, right))

    def add_api(self, paths: dict[str, dict], schemas: dict[str, dict] | None = None) -> None:
        """OpenAPI paths (relative to /api/v1) and component schemas of a feature."""
        for path, operations in paths.items():
            self.api_paths.setdefault(path, {}).update(operations)
        self.api_schemas.update(schemas or {})

    def add_commands(self, *commands: Any) -> None:
        """Click commands or groups under `flask --app seminar`."""
        for command in commands:
            self.app.cli.add_command(command)

    def add_partial(self, slot: str, template: str) -> None:
        """A template included where a page offers `slot` (`{% for t in partials("slot") %}`)."""
        templates = self.partials.setdefault(slot, [])
        if template not in templates:
            templates.append(template)

    def add_jobs(self, *modules: ModuleType) -> None:
        """A feature's queue jobs: the modules whose `@job`/`@periodic_job` functions the worker runs."""
        for module in modules:
            if module not in self.job_modules:
                self.job_modules.append(module)

    def add_hook(self, point: str, fn: Any) -> None:
        """Offer `fn` at a named extension point that another feature calls (see ARCHITECTURE.md):
        a function, or a small frozen dataclass of functions where the point needs several."""
        self.hooks.setdefault(point, []).append(fn)

    def hook(self, point: str) -> list[Any]:
        """The functions offered at `point`, in the order the features were plugged in."""
        return list(self.hooks.get(point, []))

    def add_template_global(self, name: str, value: Callable | Any) -> None:
        """A name every template can use (e.g. a helper that a feature's partial needs)."""
        self.template_globals[name] = value


    def add_personal_data(self, name: str, *, export: Callable[[Any], Any],
                          erase: Callable[[list[int]], int]) -> None:
        """Personal data a feature keeps in its own tables (answers, mails…): exported on the
        participant's request and erased when the registration is anonymised (seminar.privacy)."""
        if all(item.name != name for item in self.personal_data):
            self.personal_data.append(PersonalData(name, export, erase))


def features(app: Flask | None = None) -> Features:
    """The registry of `app` (default: the current app)."""
    app = app or current_app
    registry = app.extensions.get(EXTENSION_KEY)
    if registry is None:
        registry = app.extensions[EXTENSION_KEY] = Features(app)
    return registry
