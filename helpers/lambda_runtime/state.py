"""Per-thread invocation state, read by the runtime's process-wide hooks.

The Lambda runtime runs handlers inline, in the caller's thread, while other threads (the
notebook, server threads) go on as usual. Every hook the runtime installs process-wide
(``os.environ``, ``sys.stdout``/``sys.stderr``, ``logging``, ``time.sleep``, the import
finder) looks at :data:`local` first: when the current thread is inside an invocation, the
hook acts for that invocation; otherwise it steps aside.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .container import Container
    from .logs import InvocationLog


class ActiveInvocation:
    """What the hooks need to know about the invocation running on a thread."""

    __slots__ = (
        "_owner",
        "container",
        "deadline",
        "env",
        "fired",
        "imported_lazily",
        "log",
        "parent",
        "request_id",
        "shift_s",
        "tid",
        "virtual",
    )

    def __init__(
        self,
        request_id: str,
        env: dict[str, Any],
        log: InvocationLog,
        container: Container,
        deadline: float,
        parent: ActiveInvocation | None,
        virtual: bool = False,
    ) -> None:
        self.request_id = request_id
        self.env = env
        self.log = log
        self.container = container
        self.parent = parent
        # An invocation made from inside another one (a handler calling lambda.invoke) is cut
        # short by whichever deadline comes first: its own or its caller's.
        if parent is not None and parent.deadline < deadline:
            self.deadline = parent.deadline
            self._owner: ActiveInvocation | None = parent.owner
        else:
            self.deadline = deadline  # time.perf_counter() value
            # None stands for self (see owner): a reference to itself would make every
            # invocation cyclic garbage (with its log), left for the garbage collector's
            # passes instead of being freed when the invocation ends
            self._owner = None
        self.fired = False  # set when this invocation's deadline has been enforced
        #: on a frozen lab clock a handler's ``time.sleep`` takes lab time, not real time:
        #: ``shift_s`` is the lab time slept so far (this invocation's and its children's),
        #: which moves its deadline closer and is added to its duration
        self.virtual = virtual
        self.shift_s = 0.0
        self.tid = threading.get_ident()
        self.imported_lazily = False  # the handler imported a module of its package late

    @property
    def owner(self) -> ActiveInvocation:
        """The invocation whose deadline applies: this one, or the caller whose deadline
        comes first (whose ``fired`` flag and lab time slept count)."""
        owner = self._owner
        return self if owner is None else owner

    def sleep_virtually(self, seconds: float) -> None:
        """Count ``seconds`` of lab time slept, here and in every invocation that waits
        for this one."""
        inv: ActiveInvocation | None = self
        while inv is not None:
            inv.shift_s += seconds
            inv = inv.parent

    def remaining_s(self, now: float) -> float:
        """Seconds left before the deadline that applies, lab time slept included."""
        return self.deadline - now - self.owner.shift_s


class _ThreadState(threading.local):
    inv: ActiveInvocation | None = None


local = _ThreadState()
