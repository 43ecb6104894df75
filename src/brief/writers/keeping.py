"""What stays together at a page break, for the PDF writer (reportlab platypus flowables).

Two rules, each a flowable that decides at a page end and then hands its parts back to the
story (as reportlab's KeepTogether does):

- `keep_with_first(leads, follower)`: headings (`leads`) stand on the same page as the start of
  what follows them: as much of the follower as reportlab would put first on a page when it
  splits it (two lines of a paragraph, a table's header row and first row, a whole
  KeepTogether). Unlike reportlab's keepWithNext, the follower may be a KeepTogether or a long
  table, and a long follower is not pushed whole to the next page.
- `keep_with_last(before, trailing)`: a short trailing line stands on the same page as the end
  of what precedes it, never alone at the top of a page.

`keep_rules(story)` applies both to a story: a flowable whose `keepWithNext` is set (a heading
style's `keep_with_next`) leads, and one marked `_keep_with_previous` trails.
"""

from __future__ import annotations

from functools import lru_cache

_FUZZ = 1e-6


def _frame_break():
    from reportlab.platypus.doctemplate import FrameBreak

    return FrameBreak()


def _at_top(flowable) -> bool:
    frame = getattr(flowable, "_frame", None)
    return bool(frame is not None and getattr(frame, "_atTop", False))


def _is_action(f) -> bool:
    from reportlab.platypus.doctemplate import ActionFlowable

    return isinstance(f, ActionFlowable)


def _is_frame_break(f) -> bool:
    """A flowable that moves on to the next frame or page (reportlab's FrameBreak, PageBreak)."""
    return _is_action(f) and bool(getattr(f, "locChanger", False))


def _place(f, container) -> None:
    """Give `f` the frame and canvas its container was given (as a frame does before wrap)."""
    f._frame = getattr(container, "_frame", None)
    if hasattr(container, "canv"):
        f.canv = container.canv


def starts_within(f, width: float, height: float, container) -> bool:
    """True when something of `f` can stand in `height`: all of it, or the first part that
    reportlab's own split of `f` would leave on this page (`container`: the flowable being
    split, whose frame and canvas `f` is measured with)."""
    _place(f, container)
    _, h = f.wrap(width, height)
    if h <= height + _FUZZ:
        return True
    parts = f.split(width, height)
    if not parts:
        return False
    first = parts[0]
    if _is_frame_break(first):  # a KeepTogether that would rather start on the next page
        return False
    if _is_action(first):  # a group larger than a page: it flows piece by piece
        return len(parts) > 1 and starts_within(parts[1], width, height, container)
    return True


def _stack_height(flowables, width: float, height: float) -> float:
    """Height of flowables stacked one under the other, with their spaces (not overlapped)."""
    total = 0.0
    for i, f in enumerate(flowables):
        _, h = f.wrap(width, height)
        total += h + f.getSpaceAfter() + (f.getSpaceBefore() if i else 0)
    return total


@lru_cache(maxsize=1)
def _classes():
    from reportlab.platypus.flowables import Flowable

    class KeepWithFirst(Flowable):
        """Headings kept with the start of the flowable that follows them."""

        def __init__(self, leads, follower):
            super().__init__()
            self.leads = list(leads)
            self.follower = follower

        def getSpaceBefore(self):
            return self.leads[0].getSpaceBefore()

        def wrap(self, aw, ah):
            return aw, 0xFFFFFF  # always decided in split, where the room left is known

        def split(self, aw, ah):
            for f in self.leads:
                _place(f, self)
            room = ah - _stack_height(self.leads, aw, ah) - self.follower.getSpaceBefore()
            if _at_top(self) or (room > 0 and starts_within(self.follower, aw, room, self)):
                return self.leads + [self.follower]
            return [_frame_break()] + self.leads + [self.follower]

        def draw(self):  # never drawn: split always hands back its parts
            raise AssertionError("KeepWithFirst is split, not drawn")

    class KeepWithLast(Flowable):
        """A trailing flowable kept with the end of the one before it."""

        def __init__(self, before, trailing):
            super().__init__()
            self.before = before
            self.trailing = trailing

        def getSpaceBefore(self):
            return self.before.getSpaceBefore()

        def getKeepWithNext(self):
            return 0

        def wrap(self, aw, ah):
            return aw, 0xFFFFFF

        def split(self, aw, ah):
            before = self.before
            _place(before, self)
            _place(self.trailing, self)
            _, hb = before.wrap(aw, ah)
            if _stack_height([before, self.trailing], aw, ah) - self.trailing.getSpaceAfter() <= ah + _FUZZ:
                return [before, self.trailing]
            # Split `before` so that its last part goes on with the trailing line: at the room
            # left when it does not fit, or just short of its height when only the line does not.
            parts = before.split(aw, ah if hb > ah + _FUZZ else hb - 1)
            if len(parts) >= 2:
                return parts[:-1] + [KeepWithLast(parts[-1], self.trailing)]
            if _at_top(self):
                return [before, self.trailing]
            return [_frame_break(), before, self.trailing]

        def draw(self):
            raise AssertionError("KeepWithLast is split, not drawn")

    return KeepWithFirst, KeepWithLast


def keep_with_first(leads, follower):
    return _classes()[0](leads, follower)


def keep_with_last(before, trailing):
    return _classes()[1](before, trailing)


def keep_rules(story: list) -> list:
    """The story with both rules applied: trailing lines first, then headings (whose follower
    may be a block with its trailing line)."""
    trailed: list = []
    for f in story:
        if getattr(f, "_keep_with_previous", False) and trailed:
            trailed[-1] = keep_with_last(trailed[-1], f)
        else:
            trailed.append(f)
    out: list = []
    leads: list = []
    for f in trailed:
        if leads and f.isIndexing():
            # A table of contents must stay in the story itself (multiBuild finds it there):
            # reportlab's own keepWithNext keeps the leads with it.
            for lead in leads:
                lead.keepWithNext = 1
            out.extend(leads)
            leads = []
        if f.getKeepWithNext():
            f.keepWithNext = 0  # this rule replaces reportlab's, which cannot lead into a KeepTogether
            leads.append(f)
            continue
        out.append(keep_with_first(leads, f) if leads else f)
        leads = []
    return out + leads
