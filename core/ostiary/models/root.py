"""The persistent root of an Ostiary database, and its evolve steps.

The application root lives under the key ``"ostiary"`` of the ZODB root
mapping. It is created on first use; each later change of persistent
classes adds a step to :data:`EVOLVE_STEPS` so that an older database is
brought up to date when it is opened, as long-lived ZODB applications
(Substance D, Kotti) do. Plugins evolve the data they keep under keys of
their own the same way (``ostiary_evolve_steps``): the root records each
plugin's generation in :attr:`OstiaryRoot.plugin_generations`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid_zodbconn import get_connection

from .account import EmailChanges
from .audit import AuditTrail
from .clients import ClientRegistry
from .database import run_apart, run_apart_on_connection
from .device_authorizations import DeviceAuthorizationStore
from .dpop import DPoPStore
from .federation import FederationStore
from .grants import GrantStore
from .interactions import InteractionStore
from .keys import KeyRing
from .outbox import Outbox
from .pairwise import PairwiseStore
from .pushed_requests import PushedRequestStore
from .resources import ResourceRegistry, standard_resources
from .sessions import SessionStore
from .signins import SignInStore
from .throttle import LoginThrottle
from .users import UserDirectory
from .util import now

log = logging.getLogger(__name__)

ROOT_KEY = "ostiary"


class OstiaryRoot(Persistent):
    """Every container of an Ostiary database."""

    generation = 0
    #: plugin data name -> the generation its evolve steps reached (generation 7)
    plugin_generations = None
    #: DPoP proof ids and nonce secret, pairwise salt and index (generation 8)
    dpop = None
    pairwise = None
    #: back-channel logout deliveries and sign-out receipts (generation 10)
    outbox = None
    #: the stored audit trail (generation 11; see _evolve_audit)
    audit = None
    #: the account console's pending email changes (generation 12)
    email_changes = None

    def __init__(self):
        self.clients = ClientRegistry()
        self.resources = ResourceRegistry()
        for resource in standard_resources():
            self.resources.put(resource)
        self.users = UserDirectory()
        self.grants = GrantStore()
        self.sessions = SessionStore()
        self.interactions = InteractionStore()
        self.keys = KeyRing()
        self.keys.ensure()
        self.federation = FederationStore()
        self.login_throttle = LoginThrottle()
        self.plugin_generations = OOBTree()
        self.dpop = DPoPStore()  # generation 8
        self.pairwise = PairwiseStore()  # generation 8
        self.outbox = Outbox()
        # -- oauth-grants (issue 15): pushed authorization requests --
        self.pushed_requests = PushedRequestStore()
        self.device_authorizations = DeviceAuthorizationStore()
        self.audit = AuditTrail()
        self.email_changes = EmailChanges()
        self.signins = SignInStore()  # generation 13: partial sign-ins (issue 13)
        self.generation = CURRENT_GENERATION

    def prune(self, when: int | None = None) -> int:
        """Delete everything that has expired; return how many items went."""
        when = now() if when is None else when
        return (
            self.grants.prune(when)
            + self.sessions.prune(when)
            + self.interactions.prune(when)
            + self.keys.prune(when)
            + self.federation.prune(when)
            + self.login_throttle.prune(when)
            + self.dpop.prune(when)
            + self.outbox.prune(when)
            + self.pushed_requests.prune(when)
            + self.device_authorizations.prune(when)
            + self.clients.prune(when)  # used-up initial access tokens (registration)
            + (self.audit.prune(when) if self.audit is not None else 0)
            + (self.email_changes.prune(when) if self.email_changes is not None else 0)
            + self.signins.prune(when)
        )


def _evolve_1(root: OstiaryRoot) -> None:
    """Generation 1 is the first release: nothing to convert."""


def _evolve_2(root: OstiaryRoot) -> None:
    """Generation 2 adds the external-login store (links, pending sign-ins)."""
    if getattr(root, "federation", None) is None:
        root.federation = FederationStore()


def _evolve_3(root: OstiaryRoot) -> None:
    """Generation 3 adds upstream back-channel logout: the sessions' upstream
    indexes and the seen logout tokens."""
    from BTrees.OOBTree import OOBTree

    sessions = root.sessions
    if sessions.by_upstream_sid is None:
        sessions.by_upstream_sid = OOBTree()
        sessions.by_upstream_sub = OOBTree()
        for session in list(sessions.by_cookie.values()):
            # Sessions from before recorded the upstream sid, not the provider:
            # the provider is the session's idp.
            if session.upstream_sid and session.upstream_provider is None and session.idp != "local":
                session.upstream_provider = session.idp
            sessions._index_upstream(session)
    if root.federation.logout_tokens is None:
        root.federation.logout_tokens = OOBTree()


def _evolve_4(root: OstiaryRoot) -> None:
    """Generation 4 spreads the codes, refresh tokens and sessions, which
    every sign-in writes, over several BTrees (see ``sharded``)."""
    from .sharded import ShardedTree

    for store, name in (
        (root.grants, "codes"),
        (root.grants, "refresh_tokens"),
        (root.sessions, "by_cookie"),
        (root.sessions, "by_sid"),
    ):
        tree = getattr(store, name)
        if not isinstance(tree, ShardedTree):
            setattr(store, name, ShardedTree(tree.items()))


def _evolve_5(root: OstiaryRoot) -> None:
    """Generation 5 starts a token family at every code exchange (the family
    now holds its access tokens, to revoke them with it), so the families
    are spread over several BTrees like the codes. Families from before
    know no access tokens (a class default)."""
    from .sharded import ShardedTree

    if not isinstance(root.grants.families, ShardedTree):
        root.grants.families = ShardedTree(root.grants.families.items())


def _evolve_6(root: OstiaryRoot) -> None:
    """Generation 6 adds the failed sign-ins per client address."""
    if getattr(root, "login_throttle", None) is None:
        root.login_throttle = LoginThrottle()


def _evolve_7(root: OstiaryRoot) -> None:
    """Generation 7 records how far each plugin's own evolve steps brought its data."""
    if root.plugin_generations is None:
        root.plugin_generations = OOBTree()


def _evolve_8(root: OstiaryRoot) -> None:
    """Generation 8 adds DPoP's store (proof ids seen, the nonce secret), the
    pairwise subjects' salt and index, the pushed authorization requests
    (RFC 9126) and the device authorizations (RFC 8628)."""
    if getattr(root, "dpop", None) is None:
        root.dpop = DPoPStore()
    if getattr(root, "pairwise", None) is None:
        root.pairwise = PairwiseStore()
    if getattr(root, "pushed_requests", None) is None:
        root.pushed_requests = PushedRequestStore()
    if getattr(root, "device_authorizations", None) is None:
        root.device_authorizations = DeviceAuthorizationStore()


def _evolve_9(root: OstiaryRoot) -> None:
    """Generation 9 spreads the interaction decisions, error and logout
    records, which every consent and sign-out writes, over several BTrees."""
    from .sharded import ShardedTree

    store = root.interactions
    for name in ("decisions", "errors", "logouts"):
        tree = getattr(store, name)
        if not isinstance(tree, ShardedTree):
            setattr(store, name, ShardedTree(tree.items()))


def _evolve_10(root: OstiaryRoot) -> None:
    """Generation 10 adds the outbox of back-channel logout deliveries."""
    if root.outbox is None:
        root.outbox = Outbox()


# -- the stored audit trail (issue 16) --------------------------------------------
def _evolve_audit(root: OstiaryRoot) -> None:
    """Generation 11 adds the stored audit trail, and the indexes of SSO
    sessions and external links by subject."""
    if getattr(root, "audit", None) is None:
        root.audit = AuditTrail()
    root.sessions.index_subjects()
    root.federation.index_links()


# -- the account console (issue 12) --
def _evolve_account_console(root: OstiaryRoot) -> None:
    """Generation 12 keeps the account console's pending email changes."""
    if root.email_changes is None:
        root.email_changes = EmailChanges()


# -- generation 13: sign-in as steps (issue 13) ----------------------------------


def _evolve_signins(root: OstiaryRoot) -> None:
    """Generation 13 adds the partial sign-ins (a person between two factors)."""
    if getattr(root, "signins", None) is None:
        root.signins = SignInStore()


# -- generation 14: provider versions (issue 14) ----------------------------------


def _evolve_provider_versions(root: OstiaryRoot) -> None:
    """Generation 14 keeps a random version per database provider, its ETag."""
    if root.federation.provider_versions is None:
        root.federation.provider_versions = OOBTree()


#: Evolve steps in order; step ``n`` brings a database to generation ``n``.
EVOLVE_STEPS = (
    _evolve_1,
    _evolve_2,
    _evolve_3,
    _evolve_4,
    _evolve_5,
    _evolve_6,
    _evolve_7,
    _evolve_8,
    _evolve_9,
    _evolve_10,
    _evolve_audit,
    _evolve_account_console,
    _evolve_signins,
    _evolve_provider_versions,
)
CURRENT_GENERATION = len(EVOLVE_STEPS)


def evolve(root: OstiaryRoot) -> bool:
    """Run the evolve steps an older database still needs; return whether any ran."""
    ran = False
    while root.generation < CURRENT_GENERATION:
        step = EVOLVE_STEPS[root.generation]
        log.info("evolving the database to generation %d: %s", root.generation + 1, step.__doc__)
        step(root)
        root.generation += 1
        ran = True
    return ran


#: A plugin's evolve steps: its data's name and the steps, each a callable
#: of the ZODB root mapping (``ostiary_evolve_steps``).
PluginSteps = tuple[str, tuple[Callable[[Mapping], None], ...]]


def evolve_plugins(conn, plugin_steps: Iterable[PluginSteps]) -> None:
    """Run, in the connection's transaction, every plugin evolve step the
    database has not seen yet, and record how far each plugin got."""
    root, mapping = open_root_from_connection(conn), conn.root()
    for name, steps in plugin_steps:
        done = root.plugin_generations.get(name, 0)
        if done > len(steps):  # an older release of the plugin on a database a newer one evolved
            log.warning(
                "the data of plugin %s is at generation %d, which this version of it (%d) does not know",
                name,
                done,
                len(steps),
            )
        for number, step in enumerate(steps[done:], start=done + 1):
            log.info("evolving the data of plugin %s to generation %d: %s", name, number, _first_line(step))
            step(mapping)
            root.plugin_generations[name] = number


def _first_line(step) -> str:
    return (step.__doc__ or step.__name__).strip().splitlines()[0]


def open_root_from_connection(conn, create: bool = True) -> OstiaryRoot | None:
    """The application root of a ZODB connection, created if missing."""
    mapping = conn.root()
    root = mapping.get(ROOT_KEY)
    if root is None and create:
        root = mapping[ROOT_KEY] = OstiaryRoot()
    elif root is not None:
        evolve(root)
    return root


def get_root(request) -> OstiaryRoot:
    """Request method ``request.ostiary_root``: the root in this request's connection."""
    return open_root_from_connection(get_connection(request))


def initialise(db, plugin_steps: Iterable[PluginSteps] = ()) -> None:
    """Create (or evolve) the root and the signing keys at start-up, and
    run the plugins' evolve steps, in a transaction of its own, so that the
    first requests do not race to do it. Two processes starting at once on
    a shared database may conflict: the loser tries again and finds the
    winner's root."""

    def work(conn):
        open_root_from_connection(conn).keys.ensure()
        evolve_plugins(conn, plugin_steps)

    run_apart_on_connection(db, work, attempts=5)


def record_error_apart(db, record, error_id: str) -> bool:
    """Store an error record in a transaction of its own.

    The request that failed is being rolled back, so its own transaction
    cannot keep the detail; this one can. Best effort: a database that is
    itself the problem must not turn one error into two.
    """
    try:
        run_apart(db, lambda root: root.interactions.put_error(record, error_id))
        return True
    except Exception:  # noqa: BLE001 - the original error is what matters
        log.warning("could not keep the detail of error %s", error_id, exc_info=True)
        return False


#: The plugins' share of pruning: ``housekeeping(mapping, when)`` deletes
#: what they keep under their own keys of the root mapping and returns how
#: many objects went (see ``ostiary.plugins.housekeeping``).
Housekeeping = Callable[[Mapping, int], int]


def prune_connection(conn, housekeeping: Housekeeping | None = None) -> int:
    """Prune core's expired items, then the plugins', in the connection's
    current transaction; return how many went."""
    when = now()
    removed = open_root_from_connection(conn).prune(when)
    if housekeeping is not None:
        removed += housekeeping(conn.root(), when)
    return removed


def prune_request(request, housekeeping: Housekeeping | None = None) -> int:
    """:func:`prune_connection` in the request's transaction (``ostiary prune``)."""
    return prune_connection(get_connection(request), housekeeping)


def prune_apart(db, housekeeping: Housekeeping | None = None) -> int:
    """Prune expired items, core's and the plugins', in a transaction of its
    own; return how many went.

    Several processes may prune at once: a conflict is retried, and the
    loser finds less to delete.
    """
    return run_apart_on_connection(db, lambda conn: prune_connection(conn, housekeeping), attempts=3)
