"""The federation's signed directory (API.md, "The federation anchor and its signed
directory"): the anchor publishes each version; every stage takes a newer version whose
signature verifies against a key it trusts, and from then on trusts exactly the stages and
keys it lists.

A stage trusts the anchor's pinned keys and those of `anchor_jwks` in the newest directory it
verified, so the anchor rotates its own key with one version that lists both."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.clock import Clock, format_time, parse_time
from chalicelib.domain.directory import (
    MAX_SIGNED_BYTES,
    RETIRED,
    Listing,
    SignedDirectory,
    checked,
    directory_outdated,
    invalid_directory,
    listing_of,
    not_the_anchor,
    version_conflict,
    with_witnesses,
)
from chalicelib.domain.errors import DomainError
from chalicelib.domain.federation import Directory
from chalicelib.services.ports import (
    DeliveryFailed,
    DirectoryCheck,
    DirectorySigner,
    DirectoryStore,
    PeerClient,
    StaleWrite,
)

# What the service reports (the wiring logs it and counts it for the alarm: docs/runbook.md).
REFUSED = "federation directory refused"
OWN_ENTRY_CHANGED = "this stage's own directory entry changed"
ANCHOR_UNREACHABLE = "federation anchor unreachable"

# How long a process keeps the directory it read before reading the newest held again: a new
# version is trusted everywhere within this of being taken (one GetItem per process per period).
FRESH_SECONDS = 5.0
# Stages introduced per run of the job: each introduction reads the stage's units and catalogue
# whole, and a run must stay short.
INTRODUCED_PER_RUN = 5
# Deployed, a stage polls the anchor every 5 minutes. What brings a new version within the 2
# minutes is the anchor's push, repeated each minute to every stage that has not taken it; the
# poll is the fallback, and 100 stages polling each minute would cost the anchor 144,000 idle
# requests a day (make bench, "What the province costs"). The anchor-unreachable alarm counts
# the failed polls of 10 minutes (infra/monitoring.py).
DIRECTORY_POLL_MINUTES = 5
# Stages the anchor pushes a version to side by side. One after another, a province's 100 would
# outlast the job's 30 s as soon as a few were down (2 s each to find out); 16 at a time, 100
# down cost 13 s.
PUSHED_AT_ONCE = 16


@dataclass(frozen=True)
class Federation:
    """What a stage knows of its federation before any directory: its own name, the anchor's
    name and URL, and the anchor keys it pinned when deployed."""

    here: str
    anchor: str
    anchor_url: str
    pinned_keys: tuple[Mapping[str, str], ...]

    @property
    def is_anchor(self) -> bool:
        return bool(self.anchor) and self.here == self.anchor


class DirectoryService:
    def __init__(
        self,
        store: DirectoryStore,
        federation: Federation,
        check: DirectoryCheck,
        clock: Clock,
        peers: Callable[[], PeerClient],
        signer: Callable[[], DirectorySigner | None],
        log: Callable[[str, dict[str, Any]], None],
        joined: Callable[[str], object] = lambda _stage: None,
        deployed_with: Callable[[], frozenset[str]] = frozenset,
    ) -> None:
        self._store = store
        self._federation = federation
        self._check = check
        self._clock = clock
        self._peers = peers
        self._signer = signer
        self._log = log
        # Told of each stage a new version lists and the one held did not (before the first,
        # the stages with keys in the listing it was deployed with, which had its messages from
        # the start): this stage introduces itself to it (CatalogueService.introduce).
        self._joined = joined
        self._deployed_with = deployed_with
        self._read_once: dict[str, SignedDirectory] = {}  # held copies, parsed once per process
        self._trusted: tuple[float, Directory | None] = (float("-inf"), None)

    # What every stage does.

    def trusted_anchor_keys(self) -> list[Mapping[str, str]]:
        """The anchor keys this stage takes a directory signed by (a page checks it by them)."""
        return self._anchor_keys(self.held())

    def held(self) -> SignedDirectory | None:
        """The newest directory this stage verified (kept only after it verified)."""
        signed = self._store.newest()
        if signed is None:
            return None
        if signed not in self._read_once:
            self._read_once[signed] = self._parsed(signed, self._check.read(signed))
        return self._read_once[signed]

    def take(self, signed: Any, served: Mapping[str, Any] | None = None) -> SignedDirectory:
        """Take a directory pushed or fetched: only a valid signature by a trusted anchor key
        and a newer version count; `served`, the copy served beside the signature, must be
        its payload exactly. Refused: InvalidInput, and nothing changes."""
        return self._take(signed, served, self.held())

    def _take(
        self, signed: Any, served: Mapping[str, Any] | None, held: SignedDirectory | None
    ) -> SignedDirectory:
        try:
            directory = self._verified(signed, held)
            if served is not None and _served_part(served) != directory.listing.payload():
                raise invalid_directory("the served copy differs from its signed payload")
            already_held = held is not None and directory.signed == held.signed
            if held is not None and directory.version <= held.version and not already_held:
                raise directory_outdated(held.version)  # backwards, or another one of this number
        except DomainError as refusal:
            self._log(REFUSED, {"code": refusal.code, "reason": refusal.message})
            raise
        # The version it holds again (a push after a poll took it), or one another delivery kept
        # meanwhile: not newer, as the contract answers, and nothing wrong to report.
        if already_held:
            raise directory_outdated(directory.version)
        try:
            self._keep(directory, held)
        except StaleWrite:
            raise directory_outdated(directory.version) from None
        return directory

    def poll(self) -> bool:
        """Fetch the anchor's directory and take it if newer; whether a newer one was taken. A
        stage that cannot reach the anchor keeps the newest it holds."""
        if self._federation.is_anchor or not self._federation.anchor_url:
            return False
        try:
            url = self._federation.anchor_url + "/federation/directory"
            status, served = self._peers().get(url, 2 * MAX_SIGNED_BYTES)  # the JWS and its copy
        except DeliveryFailed as failure:
            self._log(ANCHOR_UNREACHABLE, {"reason": str(failure)})
            return False
        if status != 200 or not isinstance(served.get("signed"), str):
            self._log(ANCHOR_UNREACHABLE, {"reason": f"it answered {status} without a directory"})
            return False
        held = self.held()
        if held is not None and served.get("version") == held.version:
            return False
        try:
            self._take(served["signed"], served, held)
        except DomainError:
            return False
        return True

    def introduce_owed(self, at_most: int = INTRODUCED_PER_RUN) -> int:
        """Introduce this stage to the stages its kept versions added (the job's work), once
        every process of this stage trusts the version (FRESH_SECONDS after it was kept), so
        that a change made meanwhile is addressed to them or is in the introduction. Each is
        recorded as done when sent: one cut short is sent again whole, and a stage applies
        what it knew already without change. Returns the stages introduced."""
        now, done = self._clock(), 0
        for version, stages, kept_at in self._store.introductions():
            if (now - parse_time(kept_at)).total_seconds() < FRESH_SECONDS:
                continue
            for n, stage in enumerate(stages):
                if done == at_most:
                    return done
                self._joined(stage)
                self._store.introduced(version, stages[n + 1 :])
                done += 1
        return done

    # What only the anchor does.

    def publish(self, body: Mapping[str, Any]) -> SignedDirectory:
        """A new version from the federation's operators (PUT)."""
        signer = self._signer() if self._federation.is_anchor else None
        if signer is None:
            raise not_the_anchor(self._federation.anchor)
        held = self.held()
        current = 0 if held is None else held.version
        now = format_time(self._clock())
        listing = listing_of(body, self._federation.anchor, now)
        if held is not None and listing.version == current and _same_listing(listing, held.listing):
            return held  # a retry of the PUT that made it
        if listing.version != current + 1:
            raise version_conflict(current)
        previous = held.listing if held else None
        listing = with_witnesses(checked(_with_signing_key(listing, held, signer)), previous)
        directory = SignedDirectory(listing, signer.seal(listing.payload()))
        try:
            self._keep(directory, held, logged=True)
        except StaleWrite:
            raise version_conflict(current + 1) from None
        return directory

    def push(self) -> int:
        """Send the newest version to every listed stage that has not taken it (the anchor's
        job; a stage that misses it finds it at its next poll), PUSHED_AT_ONCE side by side.
        Returns the stages reached."""
        held = self.held()
        if not self._federation.is_anchor or held is None:
            return 0
        taken = self._store.acknowledged()
        owed = [
            entry
            for entry in held.listing.stages
            if entry.stage != self._federation.here and entry.api_url
            and taken.get(entry.stage, 0) < held.version
        ]  # fmt: skip
        if not owed:
            return 0
        with ThreadPoolExecutor(max_workers=min(PUSHED_AT_ONCE, len(owed))) as pool:
            reached = list(pool.map(lambda entry: self._pushed(entry.api_url, held), owed))
        for entry, took in zip(owed, reached, strict=True):
            if took:
                self._store.acknowledge(entry.stage, held.version)
        return sum(reached)

    # What the stage trusts.

    def trusted(self, fallback: Directory) -> Directory:
        """The stages and keys this stage trusts: the newest directory it holds, or `fallback`
        (the directory a stage was deployed with) until it holds one. Read again at most every
        FRESH_SECONDS, so that it costs a process one GetItem per period."""
        read_at, directory = self._trusted
        now = self._clock().timestamp()
        if directory is None or now - read_at >= FRESH_SECONDS:
            held = self.held()
            directory = fallback if held is None else held.listing.directory(self._federation.here)
            self._trusted = (now, directory)
        return directory

    def _pushed(self, api_url: str, held: SignedDirectory) -> bool:
        try:
            status, answer = self._peers().post_json(
                api_url + "/federation/directory", {"signed": held.signed}
            )
        except DeliveryFailed:
            return False
        # A stage that already holds it (from a poll) answers that it is not newer.
        return status == 200 or (status == 400 and answer.get("code") == "directory_outdated")

    def _verified(self, signed: Any, held: SignedDirectory | None) -> SignedDirectory:
        if not isinstance(signed, str):
            raise invalid_directory("`signed` must be a JWS compact serialization")
        return self._parsed(signed, self._check.opened(signed, self._anchor_keys(held)))

    def _parsed(self, signed: str, payload: dict[str, Any]) -> SignedDirectory:
        anchor = payload.get("anchor")
        if anchor != self._federation.anchor:
            raise invalid_directory("it is not signed for this federation's anchor")
        issued_at = payload.get("issued_at")
        try:
            if not isinstance(issued_at, str):
                raise ValueError("not text")
            parse_time(issued_at)
        except ValueError:
            raise invalid_directory("issued_at must be an RFC 3339 time") from None
        listing = listing_of(payload, anchor, issued_at)
        if listing.payload() != payload:
            raise invalid_directory("its payload is not a directory in the form the anchor signs")
        return SignedDirectory(listing, signed)

    def _anchor_keys(self, held: SignedDirectory | None) -> list[Mapping[str, str]]:
        """The pinned keys, then those of the newest version held (a kid is a key's thumbprint,
        checked when a version is taken, so a listed key cannot stand in for a pinned one)."""
        listed = held.listing.anchor_keys if held else ()
        keys = [*self._federation.pinned_keys, *listed]
        return [key for key in keys if key.get("status") != RETIRED]

    def _keep(self, directory: SignedDirectory, held: SignedDirectory | None, logged: bool = False) -> None:
        """Keep a version taken, or (`logged`) one the anchor published, which is also a leaf
        of its transparency log, queued in the same write; and, in the same write, owe the
        stages it adds an introduction (introduce_owed, in the job: never on a request)."""
        before = {e.stage for e in held.listing.stages} if held else self._deployed_with()
        here = self._federation.here
        added = [e.stage for e in directory.listing.stages if e.stage not in before and e.stage != here]
        logged_as = directory.hash if logged else None
        now = format_time(self._clock())
        self._store.keep(directory.version, directory.signed, logged_as, added, now)
        self._trusted = (float("-inf"), None)  # this process trusts it from now on
        if held is not None:
            self._note_own_entry(directory.listing, held.listing)

    def _note_own_entry(self, new: Listing, old: Listing) -> None:
        here = self._federation.here
        if new.entry(here) != old.entry(here):
            # The operators of this stage should know: an alarm reads this line's metric.
            self._log(OWN_ENTRY_CHANGED, {"version": new.version})


def _same_listing(a: Listing, b: Listing) -> bool:
    def shape(listing: Listing) -> list[Any]:
        return [(e.stage, e.label, e.api_url, e.keys) for e in listing.stages]

    return shape(a) == shape(b) and (not a.anchor_keys or a.anchor_keys == b.anchor_keys)


def _with_signing_key(listing: Listing, held: SignedDirectory | None, signer: DirectorySigner) -> Listing:
    """The anchor keys of the new version: those the PUT lists, else the held version's. The
    key that signs it must be among those a PUT lists (so that no version drops it by mistake),
    and is added to the held ones if they lack it."""
    if listing.anchor_keys:
        if not any(key.get("kid") == signer.kid for key in listing.anchor_keys):
            raise invalid_directory("anchor_jwks must list the key the anchor signs with")
        keys = listing.anchor_keys
    else:
        held_keys = held.listing.anchor_keys if held else ()
        keys = (
            held_keys
            if any(k.get("kid") == signer.kid for k in held_keys)
            else (*held_keys, signer.public_jwk)
        )
    return Listing(listing.anchor, listing.version, listing.issued_at, listing.stages, tuple(keys))


def _served_part(served: Mapping[str, Any]) -> dict[str, Any]:
    return {key: served.get(key) for key in ("anchor", "version", "issued_at", "stages", "anchor_jwks")}
