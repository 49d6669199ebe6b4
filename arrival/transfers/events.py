"""What the transfers domain announces (see arrival.core.events). Handlers run
inside the transaction of the change."""

from __future__ import annotations

from dataclasses import dataclass

from arrival.transfers.models import DistributionDecision, TransferBatch


@dataclass(frozen=True)
class DistributionDecided:
    """The RP decided for a household (or part of it): stay or transfer."""
    decision: DistributionDecision


@dataclass(frozen=True)
class BatchDeparted:
    """A bus left: ``transferred`` persons were checked out, ``missing`` stay."""
    batch: TransferBatch
    transferred: tuple[int, ...]
    missing: tuple[int, ...]
