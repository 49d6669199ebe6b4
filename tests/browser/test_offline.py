"""Offline tablets (issue 14): intake and the scan stations keep working when the
Wi-Fi drops, and nothing is lost.

The network goes with Playwright's context.set_offline(True); the service worker
(Workbox, js/offline-worker.js) keeps the pages, the on-device queue (js/outbox.js)
keeps the writes with their idempotency keys. Each test counts what reached the
server in its database, by unique names.
"""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS
from tests.browser.pages import TABLET_LANDSCAPE, TABLET_PORTRAIT, Visitor

pytestmark = pytest.mark.browser

FORM = "/households/new"
QUEUED = "Karte nach der Synchronisierung"
SYNC_TIMEOUT_MS = 30_000


# -- helpers ---------------------------------------------------------------------------


def wait_for_worker(page) -> None:
    """The page is controlled by the app's service worker (it keeps the shell)."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=SYNC_TIMEOUT_MS)


def wait_until_kept(page) -> None:
    """The worker keeps this page (it opens offline from now on)."""
    for _ in range(80):
        if page.evaluate("() => caches.open('arrival-pages').then(c => c.match(location.href))"
                         ".then(found => !!found)"):
            return
        page.wait_for_timeout(250)
    raise AssertionError("the page was not kept")


def worker_version(page) -> str:
    return page.evaluate("""() => new Promise(resolve => {
      const channel = new MessageChannel();
      channel.port1.onmessage = event => resolve(event.data);
      navigator.serviceWorker.controller.postMessage({type: 'version'}, [channel.port2]);
    })""")


def open_form(page) -> None:
    page.goto(FORM)
    expect(page.locator("form.household-form")).to_be_visible()
    page.wait_for_function("() => window.arrivalOutbox !== undefined")


def fill_family(page, family_name: str, given_names: str = "Olena",
                born: str = "1990-04-12") -> None:
    """One adult without a document: enough for a registration."""
    page.fill("#persons-0-family_name", family_name)
    page.fill("#persons-0-given_names", given_names)
    page.select_option("#persons-0-sex", "female")
    page.fill("#persons-0-date_of_birth", born)
    page.select_option("#persons-0-document-type", "none")


def register(page, family_name: str, **person) -> None:
    fill_family(page, family_name, **person)
    page.locator(".actions button[value='save']").click()


def register_offline(page, family_name: str, **person) -> None:
    """Registered while offline: queued, a fresh form opens, the card follows later."""
    register(page, family_name, **person)
    expect(page.locator(".outbox-queued")).to_contain_text(family_name)
    expect(page.locator(".outbox-queued")).to_contain_text(QUEUED)


def badge_count(page) -> int:
    return int(page.locator("#outbox-badge").get_attribute("data-waiting") or 0)


def expect_waiting(page, count: int) -> None:
    page.wait_for_function(
        "n => { const b = document.getElementById('outbox-badge');"
        " return b && b.getAttribute('data-waiting') === String(n); }", arg=count,
        timeout=SYNC_TIMEOUT_MS)


def entries(page) -> list[dict]:
    """The account's queue as the store holds it (state and answer, never data)."""
    return page.evaluate("""() => window.arrivalOutbox.all().then(list => list.map(
      r => ({kind: r.kind, state: r.state, attempts: r.attempts, answer: r.answer})))""")


def wait_for_queue(page, predicate: str, timeout_s: float = 30) -> list[dict]:
    """Polls the queue until predicate(list) (JS, over entries()) holds; returns it."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        found = entries(page)
        if page.evaluate(f"list => ({predicate})(list)", found):
            return found
        assert time.monotonic() < deadline, f"the queue did not get there: {found}"
        page.wait_for_timeout(250)


def send_now(page) -> None:
    page.evaluate("() => window.arrivalOutbox.replay()")


def households_named(app, prefix: str) -> dict[str, int]:
    """How many households each family name (starting with prefix) has."""
    from arrival.extensions import db
    from arrival.registry.models import Person

    with app.app_context():
        rows = db.session.execute(
            sa.select(Person.family_name, sa.func.count(sa.distinct(Person.household_id)))
            .where(Person.family_name.like(prefix + "%")).group_by(Person.family_name)).all()
        db.session.remove()
    return dict(rows)


def tablet(browser, server, profile=None, *, size=TABLET_LANDSCAPE, storage_state=None):
    """A tablet: a persistent profile (survives closing the browser) or a fresh context."""
    options = dict(base_url=server.url, viewport={"width": size.width, "height": size.height},
                   locale="de-DE", timezone_id="Europe/Berlin", has_touch=True)
    if profile is not None:
        context = browser.browser_type.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            **options)
    else:
        context = browser.new_context(storage_state=storage_state, **options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.pages[0] if context.pages else context.new_page()
    return context, Visitor(page, size, server.user_ids)


# -- intake ----------------------------------------------------------------------------


def test_three_households_registered_offline_survive_reload_restart_and_update(
        browser, live_server, new_account, unique_name, tmp_path):
    clerk = new_account("intake")
    family = unique_name("OFFLINEDREI")
    profile = tmp_path / "tablet"
    app = live_server.app

    context, visitor = tablet(browser, live_server, profile)
    page = visitor.page
    try:
        # The tablet had the previous app version: a store of version 1 with a draft.
        page.goto("/login")
        page.evaluate("""() => new Promise((resolve, reject) => {
          const open = indexedDB.open('arrival-drafts', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('drafts', {keyPath: 'id'})
            .createIndex('owner', 'owner');
          open.onsuccess = () => { const tx = open.result.transaction('drafts', 'readwrite');
            tx.objectStore('drafts').put({id: 'someone:old', owner: 'someone'});
            tx.oncomplete = () => { open.result.close(); resolve(); }; };
          open.onerror = reject; })""")
        visitor.sign_in(clerk.username, clerk.password)
        open_form(page)
        wait_for_worker(page)
        open_form(page)  # now through the worker, which keeps the page
        first_version = worker_version(page)
        # The page as the server rendered it last (its CSRF token differs at every render).
        rendered = page.locator('meta[name="csrf-token"]').get_attribute("content")

        context.set_offline(True)
        for name, given, born in (("A", "Olena", "1971-01-05"), ("B", "Iryna", "1988-07-21"),
                                  ("C", "Mykola", "1995-11-30")):
            register_offline(page, family + name, given_names=given, born=born)
        expect_waiting(page, 3)

        page.reload()  # offline: the kept page, the queue still there
        expect(page.locator("form.household-form")).to_be_visible()
        assert page.locator('meta[name="csrf-token"]').get_attribute("content") == rendered, \
            "the form came from the worker's copy, not from the server"
        expect_waiting(page, 3)
    finally:
        context.close()

    # The browser is closed and opened again; still no network.
    context, visitor = tablet(browser, live_server, profile)
    page = visitor.page
    try:
        context.set_offline(True)
        open_form(page)
        expect_waiting(page, 3)
        assert page.evaluate("""() => window.arrivalDrafts.db().then(db => db.get('drafts',
          'someone:old')).then(r => !!r)"""), "the store was migrated, not recreated"

        # A new app version is deployed while the tablet is offline. Back online, the
        # tablet takes the new worker; the first send of the queue meets a 503.
        app.config["APP_VERSION"] = first_version + "-next"
        answered_503 = []

        def busy_once(route):
            if route.request.method == "POST" and not answered_503:
                route.fetch()  # the server did the work, the proxy failed to answer
                answered_503.append(route.request.url)
                route.fulfill(status=503, body="Service Unavailable")
            else:
                route.continue_()

        page.route("**" + FORM, busy_once)
        context.set_offline(False)
        page.goto(FORM)
        if visitor.path == "/login":  # the browser's restart ended the session: the same
            visitor.fill_sign_in_form(clerk.username, clerk.password)  # clerk signs in
            with page.expect_navigation():
                page.get_by_role("button", name="Anmelden", exact=True).click()
        open_form(page)
        for _ in range(40):  # the new worker takes over by itself
            if worker_version(page) == first_version + "-next":
                break
            page.wait_for_timeout(250)
        assert worker_version(page) == first_version + "-next"
        send_now(page)
        wait_for_queue(page, "list => list.length === 3 && list.every(r => r.state === 'done')")
        assert answered_503, "the first replay met a 503"
        assert max(e["attempts"] for e in entries(page)) >= 2, "the 503 was retried"
        counts = households_named(app, family)
        print(f"offline intake: {counts}", entries(page))
        assert counts == {family + "A": 1, family + "B": 1, family + "C": 1}

        # The queue list says what became of each: the reference, cards printable now.
        page.goto("/offline")
        rows = page.locator(".outbox-entry.outbox-done")
        expect(rows).to_have_count(3)
        expect(rows.first).to_contain_text("Karten können jetzt gedruckt werden")
        expect(rows.first.get_by_role("link", name="Karten drucken")).to_be_visible()
    finally:
        app.config["APP_VERSION"] = first_version if "first_version" in dir() else \
            app.config["APP_VERSION"]
        context.close()


def test_two_tablets_offline_register_the_same_family_once_and_one_decides(
        browser, live_server, signed_in_state, unique_name):
    family = unique_name("OFFLINEZWEI")
    tablets = [tablet(browser, live_server, storage_state=signed_in_state(live_server, "intake"))
               for _ in range(2)]
    try:
        for context, visitor in tablets:
            open_form(visitor.page)
            wait_for_worker(visitor.page)
            wait_until_kept(visitor.page)
            context.set_offline(True)
            register_offline(visitor.page, family, given_names="Iryna", born="1984-02-03")
        first, second = tablets
        for context, visitor in tablets:
            context.set_offline(False)
            send_now(visitor.page)
            wait_for_queue(visitor.page,
                           "list => list.length && list.every(r => r.state !== 'pending')")
        states = [entries(v.page)[0]["state"] for _, v in tablets]
        assert states == ["done", "duplicate"]
        assert households_named(live_server.app, family) == {family: 1}

        # The second clerk opens the entry: the form, filled, with the candidate.
        page = second[1].page
        page.goto("/offline")
        row = page.locator(".outbox-entry.outbox-duplicate")
        expect(row).to_contain_text(entries(first[1].page)[0]["answer"]["ref"])
        # The badge and the queue list pass the accessibility checks (axe-core: nothing
        # serious; touch targets; no sideways scrolling).
        expect(page.locator("#outbox-badge")).to_be_visible()
        assert second[1].check_page("offline-queue") == []
        page.set_viewport_size({"width": 768, "height": 1024})
        second[1].size = TABLET_PORTRAIT
        assert second[1].check_page("offline-queue") == []
        row.get_by_role("link", name="Öffnen und entscheiden").click()
        expect(page.locator("#persons-0-family_name")).to_have_value(family)
        expect(page.locator("#duplicate-decision")).to_be_visible()
    finally:
        for context, _ in tablets:
            context.close()


# -- scan stations ------------------------------------------------------------------------


def card_tokens(app, prefix: str, count: int) -> list[str]:
    """Households of one person with a fresh card each; the QR tokens (in memory only)."""
    from datetime import datetime, timezone

    from arrival.cards.operations import issue_card
    from arrival.extensions import db
    from arrival.registry import operations as registry
    from arrival.registry.validation import parse_household
    from tests.factories import household_payload, person_payload

    tokens = []
    with app.app_context():
        for i in range(count):
            payload = household_payload(person_payload(
                family_name=f"{prefix}{i}", family_name_cyrillic="", document={"type": "none"}))
            data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
            household = registry.register_household(
                data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
                duplicate_reason="test data").household
            tokens.append(issue_card(household.persons[0]).token)
        db.session.commit()
        db.session.remove()
    return tokens


def station(visitor, service: str, point: str) -> None:
    page = visitor.page
    page.goto(f"/services/station?service={service}&point={point}")
    page.wait_for_function("() => document.querySelector('.station').hasAttribute('data-list-size')",
                           timeout=SYNC_TIMEOUT_MS)
    wait_for_worker(page)
    wait_until_kept(page)


def scan(page, code: str) -> str:
    page.fill("#code", code)
    page.locator("#code").press("Enter")
    answer = page.locator(".answer .answer-title")
    expect(answer).to_be_visible()
    result = page.locator(".answer").get_attribute("class")
    text = page.locator(".answer").inner_text()
    page.evaluate("() => { const a = document.querySelector('.answer'); a.className = 'answer';"
                  " a.textContent = ''; }")
    return ("amber" if "answer-amber" in result else "green" if "answer-green" in result
            else "red") + "|" + text


def deliveries(app, service: str, point_prefix: str) -> list[tuple]:
    from arrival.extensions import db
    from arrival.services.models import Delivery, OfflineDelivery

    with app.app_context():
        rows = db.session.execute(
            sa.select(Delivery.id, Delivery.person_id, Delivery.point, OfflineDelivery.violation)
            .outerjoin(OfflineDelivery, OfflineDelivery.delivery_id == Delivery.id)
            .where(Delivery.service_type == service, Delivery.point.like(point_prefix + "%"))).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_offline_scans_at_two_stations_both_recorded_one_listed_as_violation(
        browser, live_server, signed_in_state, visit, unique_name):
    """A hygiene kit (once in 7 days) for one card, at two stations both offline."""
    point = unique_name("OFFLINEPUNKT")
    token, = card_tokens(live_server.app, unique_name("OFFLINEKARTE"), 1)
    stations = [tablet(browser, live_server,
                       storage_state=signed_in_state(live_server, "service"))
                for _ in range(2)]
    try:
        for n, (context, visitor) in enumerate(stations):
            station(visitor, "hygiene_kit", f"{point}-{n}")
            context.set_offline(True)
            answer = scan(visitor.page, token)
            assert answer.startswith("amber|") and "offline — wird später geprüft" in answer
            # The same card again at the same station: its own delivery refuses it.
            assert scan(visitor.page, token).startswith("red|")
        for context, visitor in stations:
            context.set_offline(False)
            send_now(visitor.page)
            found = wait_for_queue(visitor.page,
                                   "list => list.length && list.every(r => r.state !== 'pending')")
            assert len(found) == 1
        recorded = deliveries(live_server.app, "hygiene_kit", point)
        assert len(recorded) == 2, "both handed out, both recorded"
        assert sorted(str(v) for *_rest, v in recorded) == ["None", "limit_reached"]
    finally:
        for context, _ in stations:
            context.close()

    # The station lead sees it, on the page and in the API.
    lead = visit(account="admin")
    lead.open("/services/offline-violations")
    expect(lead.page.locator(".offline-violations tbody tr").filter(has_text=point)).to_have_count(1)
    items = lead.page.request.get("/api/v1/offline/violations").json()["items"]
    assert [i["violation"] for i in items if i["point"].startswith(point)] == ["limit_reached"]


def random_family_name(rng: random.Random) -> str:
    """A made-up name unlike any other (so that no duplicate hint joins two of them)."""
    syllables = ["ka", "lo", "mir", "sen", "tu", "vri", "zan", "pel", "dob", "rus", "che",
                 "hny", "bor", "vys", "gal", "fin", "jek", "qua", "wen", "xol"]
    return "Zz" + "".join(rng.choice(syllables) for _ in range(5)).capitalize()


def test_randomized_offline_and_online_cycles_lose_nothing_and_duplicate_nothing(
        browser, live_server, signed_in_state, unique_name):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    point = unique_name("OFFLINEZUFALL")
    tokens = card_tokens(live_server.app, unique_name("OFFLINEZUFALLKARTE"), 10)
    context, visitor = tablet(browser, live_server,
                              storage_state=signed_in_state(live_server, "intake"))
    intake = visitor.page
    scanner = context.new_page()
    names: list[str] = []
    handed_out = 0
    try:
        open_form(intake)
        wait_for_worker(intake)
        wait_until_kept(intake)
        station(Visitor(scanner, TABLET_LANDSCAPE, {}), "clothing", point)
        import time
        started = time.monotonic()
        work = ["register"] * 50 + ["scan"] * 100
        rng.shuffle(work)
        offline = rng.random() < 0.5
        for cycle in range(5):
            offline = not offline
            context.set_offline(offline)
            for _ in range(30):
                if work.pop() == "register":
                    name = random_family_name(rng)
                    while name in names:
                        name = random_family_name(rng)
                    names.append(name)
                    born = f"{rng.randrange(1950, 2004)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}"
                    if offline:
                        register_offline(intake, name, given_names=rng.choice(
                            ["Olena", "Iryna", "Taras", "Mykola", "Oksana"]), born=born)
                    else:  # the fields set at once: no duplicate hints while typing
                        intake.evaluate("""([name, born]) => {
                          const set = (id, value) => { document.getElementById(id).value = value; };
                          set('persons-0-family_name', name); set('persons-0-given_names', 'Olena');
                          set('persons-0-sex', 'female'); set('persons-0-date_of_birth', born);
                          set('persons-0-document-type', 'none'); }""", [name, born])
                        intake.locator(".actions button[value='save']").click()
                        intake.wait_for_url("**/households/H-*", wait_until="commit")
                        open_form(intake)
                else:
                    answer = scan(scanner, rng.choice(tokens))
                    assert answer.split("|")[0] == ("amber" if offline else "green"), answer
                    handed_out += 1
            print(f"cycle {cycle} offline={offline}: {time.monotonic() - started:.1f} s")
            intake.reload()
            scanner.reload()
            expect(intake.locator("form.household-form")).to_be_visible()
        context.set_offline(False)
        open_form(intake)
        send_now(intake)
        wait_for_queue(intake, "list => list.every(r => r.state !== 'pending')", timeout_s=90)
        print(f"sent: {time.monotonic() - started:.1f} s")
        states = {e["state"] for e in entries(intake)}
        assert states <= {"done"}, states
    finally:
        context.close()

    counts = households_named(live_server.app, "Zz")
    registered = [counts.get(name, 0) for name in names]
    recorded = len(deliveries(live_server.app, "clothing", point))
    lost = sum(1 for n in registered if n == 0) + max(0, handed_out - recorded)
    duplicated = sum(n - 1 for n in registered if n > 1) + max(0, recorded - handed_out)
    print(f"randomized offline run (seed {seed}): {len(names)} registrations, {handed_out} "
          f"scans in 5 offline/online cycles: {lost} lost, {duplicated} duplicated")
    assert (lost, duplicated) == (0, 0)


def test_the_queue_survives_signing_out_and_another_account_neither_reads_nor_sends_it(
        browser, live_server, new_account, unique_name):
    anna, boris = new_account("intake"), new_account("intake")
    family = unique_name("OFFLINEKONTO")
    context, visitor = tablet(browser, live_server)
    page = visitor.page
    try:
        visitor.sign_in(anna.username, anna.password)
        open_form(page)
        wait_for_worker(page)
        wait_until_kept(page)
        context.set_offline(True)
        register_offline(page, family)
        # The network is back but the server cannot be reached yet; Anna signs out.
        page.route("**" + FORM, lambda route: route.abort() if route.request.method == "POST"
                   else route.continue_())
        context.set_offline(False)
        page.goto("/")
        visitor.sign_out()

        visitor.sign_in(boris.username, boris.password)
        page.unroute("**" + FORM)
        open_form(page)
        send_now(page)
        assert entries(page) == [], "Boris does not see Anna's entry"
        stored = page.evaluate("""() => window.arrivalDrafts.db().then(db => Promise.all([
          db.getAll('outbox'), db.getAll('keys')]).then(([o, k]) => ({entries: o.length,
          keys: k.length, readable: o.some(r => JSON.stringify(r).includes('%s'))})))""" % family)
        assert stored == {"entries": 1, "keys": 1, "readable": False}, \
            "Anna's entry is still there, encrypted; her key went when she signed out"
        assert households_named(live_server.app, family) == {}
        visitor.sign_out()

        visitor.sign_in(anna.username, anna.password)
        open_form(page)
        send_now(page)
        found = wait_for_queue(page, "list => list.length === 1 && list[0].state === 'done'")
        assert found[0]["answer"]["result"] == "created"
        assert households_named(live_server.app, family) == {family: 1}
    finally:
        context.close()
