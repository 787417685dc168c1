"""Websocket users for benchmarks/webload.py (`--client ws`): Streamlit's own protocol, no browser.

A `Tab` is what one browser tab is to the server: a websocket on /_stcore/stream (subprotocol "streamlit",
same-origin Origin header) carrying BackMsg / ForwardMsg protobufs from streamlit.proto. It
- sends `rerun_script` with a ClientState as the frontend does: the query string the server last set, the
  page's script hash (from the `navigation` message, by page title), the context (URL, time zone, locale) and
  the widget states;
- receives the run's messages: `new_session` starts a run, `delta` messages put elements and blocks at their
  delta paths, `navigation` lists the pages, `page_info_changed` the query string; `script_finished`
  FINISHED_EARLY_FOR_RERUN (st.rerun, st.switch_page) goes on to the next run, FINISHED_SUCCESSFULLY ends the
  page run: that is the moment the browser's script state turns to "notRunning";
- finds widgets by their user key (an element id ends with `-<key>`), sets values (text: string_value,
  selectbox: the option's label as string_value, as the frontend sends) and presses buttons (trigger_value);
  values go with the next run, as a form's fields go with its submit button.

What it exercises: everything the server does for a page run - the websocket, session creation, widget
state and callbacks, st.rerun and page switches, session_state, the app's code, the database and the match -
and every element the run sends, which it checks for an exception shown.
What it does not: rendering, layout and the frontend's JavaScript (st.html scripts such as the session
cookie are ignored, so a ws user never resumes a session from a cookie: every journey signs in, as the
browser users do in their fresh contexts); the static files, fonts and HTTP requests a browser makes on load;
the forward-message cache (no cached hashes are reported, so the server sends every message in full, where a
browser gets references after its first visit); heartbeats; client-side tab switches (a tab's content is in
the deltas; the client checks it is there). It sends only the widget values changed since the last run,
where the browser sends them all; the server keeps the others as they were, so the runs are the same.
"""
from __future__ import annotations

import asyncio
import re
import time

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from webload_users import PASSWORD, STEP_TIMEOUT_MS, SimulatedUser, email_of, scenario_text

DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class AppError(RuntimeError):
    """The app showed an exception, failed to compile, or a page or widget expected was not there."""


def _sub(element):
    kind = element.WhichOneof("type")
    return kind, getattr(element, kind) if kind else None


class Tab:
    """One simulated browser tab on one app process."""

    def __init__(self, url: str, timeout: float = 120.0, query: str = "lang=en"):
        self.url, self.timeout, self.query = url.rstrip("/"), timeout, query
        self.ws = None
        self.elements: dict[tuple, object] = {}   # delta path -> Element of the last finished run
        self.blocks: dict[tuple, object] = {}     # delta path -> Block
        self.pages: dict[str, object] = {}        # page title -> AppPage
        self.page_hash = ""
        self.pending: dict[str, WidgetState] = {}  # widget values set since the last run

    async def open(self) -> float:
        """Connect and run the app's first page, as a browser does on load; returns the run's ms."""
        self.ws = await asyncio.wait_for(websockets.connect(
            "ws" + self.url.removeprefix("http") + "/_stcore/stream", subprotocols=["streamlit"],
            origin=self.url, max_size=None, ping_interval=None), self.timeout)
        return await self.rerun()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self, triggers: list[WidgetState] = (), page_hash: str | None = None) -> float:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.widget_states.widgets.extend([*self.pending.values(), *triggers])
        state.context_info.url = f"{self.url}/?{self.query}"
        state.context_info.timezone, state.context_info.timezone_offset = "UTC", 0
        state.context_info.locale = "en-US"
        self.pending = {}
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._until_finished(), self.timeout)
        return (time.perf_counter() - start) * 1000

    async def _until_finished(self) -> None:
        elements, blocks = dict(self.elements), dict(self.blocks)
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":   # a run starts: the page is rebuilt from its deltas
                elements, blocks = {}, {}
                self.page_hash = fwd.new_session.page_script_hash
            elif kind == "delta":
                path, delta = tuple(fwd.metadata.delta_path), fwd.delta
                if delta.WhichOneof("type") == "new_element":
                    elements[path] = delta.new_element
                    blocks.pop(path, None)
                elif delta.WhichOneof("type") == "add_block":
                    blocks[path] = delta.add_block
                    elements.pop(path, None)
            elif kind == "navigation":
                self.pages = {p.page_name: p for p in fwd.navigation.app_pages}
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "page_not_found":
                raise AppError(f"page not found: {fwd.page_not_found.page_name}")
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise AppError("script compile error")
                if fwd.script_finished in DONE:
                    self.elements, self.blocks = elements, blocks
                    self._check()
                    return

    def _check(self) -> None:
        for element in self.elements.values():
            kind, sub = _sub(element)
            if kind == "exception":
                raise AppError(f"exception shown: {sub.type}: {sub.message[:300]}")

    # --- what is on the page ------------------------------------------------------------------------------

    def texts(self) -> list[str]:
        """Every text of the page: markdown, headings, alerts, captions, widget labels, tab and expander labels."""
        out = []
        for element in self.elements.values():
            _, sub = _sub(element)
            for field in ("body", "label", "text"):
                value = getattr(sub, field, None)
                if isinstance(value, str) and value:
                    out.append(value)
        for block in self.blocks.values():
            kind = block.WhichOneof("type")
            label = getattr(getattr(block, kind), "label", None) if kind else None
            if isinstance(label, str) and label:
                out.append(label)
        return out

    def has_text(self, needle: str) -> bool:
        return any(needle in text for text in self.texts())

    def widget(self, key: str):
        """The element proto of the widget whose user key is key (its id ends with -key)."""
        for element in self.elements.values():
            _, sub = _sub(element)
            if str(getattr(sub, "id", "")).endswith("-" + key):
                return sub
        raise AppError(f"no widget with key {key!r} on the page")

    # --- what a user does ---------------------------------------------------------------------------------

    def type_text(self, key: str, value: str) -> None:
        """Type into a text input or area (inside a form: sent with the submit)."""
        self.pending[self.widget(key).id] = WidgetState(id=self.widget(key).id, string_value=value)

    async def select(self, key: str, label: str) -> float:
        box = self.widget(key)
        if label not in box.options:
            raise AppError(f"{key}: no option {label!r} in {list(box.options)[:10]}")
        self.pending[box.id] = WidgetState(id=box.id, string_value=label)
        return await self.rerun()

    async def click(self, key: str) -> float:
        button = self.widget(key)
        if getattr(button, "disabled", False):
            raise AppError(f"button {key!r} is disabled")
        return await self.rerun([WidgetState(id=button.id, trigger_value=True)])

    async def go_to(self, title: str) -> float:
        """A click on a page in the sidebar."""
        page = self.pages.get(title)
        if page is None:
            raise AppError(f"no page {title!r} in the navigation: {sorted(self.pages)}")
        took = await self.rerun(page_hash=page.page_script_hash)
        if self.page_hash != page.page_script_hash:
            raise AppError(f"asked for page {title!r}, the server ran another")
        return took


# --- the benchmark's journeys over it -----------------------------------------------------------------------

class WsUser(SimulatedUser):
    """The same journeys over Streamlit's websocket protocol (benchmarks/webload_ws.py): no browser."""

    async def step(self, step: str, action) -> None:
        try:
            took = await action
        except Exception as exc:
            raise RuntimeError(f"step {step}: {type(exc).__name__}: {str(exc)[:200]}") from exc
        self.stats["times"].setdefault(step, []).append(took)

    async def journey(self, n: int) -> None:
        tab = Tab(self.url, STEP_TIMEOUT_MS / 1000)
        try:
            await self.step("open", tab.open())
            tab.type_text("login_email", email_of(self.i))
            tab.type_text("login_password", PASSWORD)
            await self.step("sign_in", tab.click("login_submit"))
            if not tab.has_text("Signed in:"):
                raise RuntimeError(f"sign_in: not signed in: {tab.texts()[:12]}")
            await (self.ws_official(tab) if self.official else self.ws_enterprise(tab, n))
            self.stats["journeys"] += 1
        finally:
            await tab.close()

    async def ws_enterprise(self, tab, n: int) -> None:
        await self.step("browse", tab.go_to("My submissions"))
        await self.step("open_form", tab.go_to("Submit a scenario"))
        title, description, keywords = scenario_text(self.i, n)
        tab.type_text("submit_demand_form_title", title)
        tab.type_text("submit_demand_form_description", description)
        tab.type_text("submit_demand_form_keywords", keywords)
        await self.step("match", tab.click("submit_demand_form_submit"))
        if not tab.has_text("Suggested counterparts"):
            raise RuntimeError(f"match: no suggestions heading: {tab.texts()[:12]}")
        await self.step("review", tab.go_to("My submissions"))
        if "Pairings" not in tab.texts():     # the tab's content came with the run; switching is client-side
            raise RuntimeError("review: no Pairings tab")

    async def ws_official(self, tab) -> None:
        await self.step("browse", tab.go_to("Dashboard"))
        await self.step("match", tab.go_to("Review queue"))
        options = list(tab.widget("review_pick").options)   # this official's own pairing, as in the browser
        if self.i // 2 and len(options) > 1:
            await self.step("pick", tab.select("review_pick", options[min(self.i // 2, len(options) - 1)]))
        moves = list(tab.widget("review_action").options)
        await self.step("choose", tab.select("review_action", "under review" if "under review" in moves
                                             else "shortlisted"))
        await self.step("review", tab.click("review_apply_one"))
        shown = " ".join(tab.texts())
        if "pairing(s) updated" not in shown:
            if re.search(r"changed .*meanwhile|someone else", shown):
                self.stats["conflicts"] += 1
            else:
                raise RuntimeError(f"review: no outcome shown: {shown[-300:]}")


async def warm_ws(urls: list[str]) -> None:
    for url in urls:
        tab = Tab(url, 600)
        await tab.open()
        await tab.close()


