"""SVG status badges: a project's OSAID verdict (and MOF class) for READMEs and model cards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from registry.models import Project, is_slug

# The verdict in words, as the badge and the pages say it; "" is a project not audited yet.
OSAID_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "open-source-ai": "open source AI",
        "not-open-source-ai": "not open source AI",
        "insufficient-evidence": "insufficient evidence",
        "": "not audited",
    }
)
# Green, red and two greys, each dark enough for white text (WCAG AA, 4.5:1).
BADGE_COLOURS: Mapping[str, str] = MappingProxyType(
    {
        "open-source-ai": "#1a7f37",
        "not-open-source-ai": "#cf222e",
        "insufficient-evidence": "#424a53",
        "": "#6e7781",
    }
)
LABEL = "OSAID"
LABEL_COLOUR = "#555"
BADGE_MAX_AGE = 3600
# Short, so a badge embedded before its project is listed starts working soon after.
NOT_FOUND_MAX_AGE = 60
# Part of the ETag, so a change to the drawing reaches caches that hold the old one.
BADGE_VERSION = "1"
PADDING = 6
HEIGHT = 20

# Advance widths of Verdana at 11px, the font shields.io badges are measured in; close enough
# that the text fits without shipping or measuring a font.
_CHAR_WIDTHS: Mapping[str, float] = MappingProxyType(
    {
        **dict.fromkeys("ijl", 3.0),
        **dict.fromkeys(" .,·f", 3.9),
        **dict.fromkeys("!:;tI", 4.3),
        **dict.fromkeys("r-", 4.7),
        **dict.fromkeys("()[]", 5.0),
        **dict.fromkeys("csvxyz", 5.7),
        **dict.fromkeys("0123456789", 7.0),
        **dict.fromkeys("w", 8.9),
        **dict.fromkeys("OQDGHNU", 8.4),
        **dict.fromkeys("M", 9.2),
        **dict.fromkeys("m", 10.6),
        **dict.fromkeys("W", 10.9),
    }
)
_LOWER_WIDTH = 6.6
_UPPER_WIDTH = 7.5
_OTHER_WIDTH = 7.0


def text_width(text: str) -> float:
    """The approximate width of a text in Verdana 11px, in pixels."""
    total = 0.0
    for char in text:
        if char in _CHAR_WIDTHS:
            total += _CHAR_WIDTHS[char]
        elif char.islower():
            total += _LOWER_WIDTH
        elif char.isupper():
            total += _UPPER_WIDTH
        else:
            total += _OTHER_WIDTH
    return total


@dataclass(frozen=True)
class Part:
    """One half of a badge: its text, colour, where it starts and how wide it is."""

    text: str
    colour: str
    x: int
    width: int

    @property
    def text_length(self) -> int:
        return self.width - 2 * PADDING

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


def _part(text: str, colour: str, x: int) -> Part:
    return Part(text=text, colour=colour, x=x, width=round(text_width(text)) + 2 * PADDING)


def message(project: Project) -> str:
    """The right half of the badge: the verdict in words, and the MOF class when one is reached."""
    words = OSAID_WORDS.get(project.osaid, project.osaid)
    if project.osaid and project.mof_class:
        return f"{words} · MOF Class {project.mof_class}"
    return words


def render_badge(project: Project) -> str:
    """The badge of a project's current verdict as an SVG document."""
    label = _part(LABEL, LABEL_COLOUR, 0)
    value = _part(
        message(project), BADGE_COLOURS.get(project.osaid, BADGE_COLOURS[""]), label.width
    )
    context = {
        "parts": (label, value),
        "width": label.width + value.width,
        "height": HEIGHT,
        "title": f"{project.name}: {LABEL} {value.text}",
    }
    return render_to_string("registry/_badge.svg", context)


def _badge_project(slug: str) -> Project | None:
    if not is_slug(slug):
        # No project has such a slug; a NUL in it would even make PostgreSQL refuse the query.
        return None
    return (
        Project.objects.listed()
        .only("name", "osaid", "mof_class", "current_verdict_id", "updated_at")
        .filter(slug=slug)
        .first()
    )


def badge_etag(request: HttpRequest, slug: str) -> str | None:
    """Changes whenever the project's verdict (or anything else on its row) changes."""
    if not is_slug(slug):
        return None
    row = (
        Project.objects.listed()
        .filter(slug=slug)
        .values_list("current_verdict_id", "updated_at")
        .first()
    )
    if row is None:
        return None
    verdict_id, updated_at = row
    return f"badge{BADGE_VERSION}-{verdict_id or 0}-{updated_at.timestamp():.6f}"


@require_safe
@cache_control(public=True, max_age=BADGE_MAX_AGE)
@condition(etag_func=badge_etag)
def badge(request: HttpRequest, slug: str) -> HttpResponse:
    """`/badge/<slug>.svg`: the project's OSAID verdict as a flat badge."""
    project = _badge_project(slug)
    if project is None:
        response = HttpResponseNotFound(
            "No listed project has this slug.\n", content_type="text/plain; charset=utf-8"
        )
        # cache_control keeps the smaller max-age, so this one wins over the badge's hour.
        response["Cache-Control"] = f"max-age={NOT_FOUND_MAX_AGE}"
        return response
    return HttpResponse(render_badge(project), content_type="image/svg+xml")
