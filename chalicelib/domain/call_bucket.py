"""The arithmetic of ANAF's per-minute call budget: a token bucket in GCRA form (pure).

ANAF counts one application's calls over a sliding 60 s. A bucket holding at most `burst`
tokens, refilled continuously at `rate_per_s`, lets through at most burst + rate_per_s * T
calls in any T seconds. Tokens are leased in blocks and a leased token may be spent for
`lease_ttl_s`, then reach ANAF up to `transit_s` later, so a window of ANAF's can see the calls
of the leases of window_s + lease_ttl_s + transit_s seconds: the rate is chosen so that this
is at most `limit`. The state is one number, the "theoretical arrival time" (TAT): the moment
the bucket would be full again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ANAF_CALLS_PER_WINDOW = 1000
WINDOW_S = 60.0  # ANAF's sliding minute
API_SHARE = 10  # calls per window kept for the API's own requests (uploads, status)
BURST = 10  # tokens the bucket holds at most
LEASE_TTL_S = 1.0  # a leased token not spent by then is dropped
TRANSIT_S = 0.5  # from taking a token to the request reaching ANAF


@dataclass(frozen=True)
class Bucket:
    """The shape of a token bucket that keeps `limit` calls per sliding `window_s`."""

    limit: int = ANAF_CALLS_PER_WINDOW - API_SHARE
    window_s: float = WINDOW_S
    burst: int = BURST
    lease_ttl_s: float = LEASE_TTL_S
    transit_s: float = TRANSIT_S

    @property
    def rate_per_s(self) -> float:
        """The refill rate: the most calls any window of ANAF's can see is then `limit`."""
        return (self.limit - self.burst) / (self.window_s + self.lease_ttl_s + self.transit_s)


@dataclass(frozen=True)
class Lease:
    """The bucket's answer to one request for tokens."""

    granted: int
    tat: float  # the bucket's theoretical arrival time after the lease (epoch seconds)
    wait_s: float  # when nothing is granted: how long until `wanted` tokens are there


def lease(tat: float | None, now: float, wanted: int, bucket: Bucket) -> Lease:
    """GCRA: `tat` is the time at which the bucket would be full again (None: never used).
    Tokens available now are (now + burst/rate - tat) * rate, at most `burst`. Grants up to
    `wanted` of them, or nothing and the wait until `wanted` are there."""
    rate = bucket.rate_per_s
    wanted = max(1, min(wanted, bucket.burst))
    start = now if tat is None or tat < now else tat
    available = math.floor((now + bucket.burst / rate - start) * rate + 1e-9)
    granted = min(wanted, available)
    if granted <= 0:
        return Lease(0, start, max(0.0, start + wanted / rate - bucket.burst / rate - now))
    return Lease(granted, start + granted / rate, 0.0)
