"""The company repository: the company item's lease, schedule and counters are written here only."""

from __future__ import annotations

from collections.abc import Mapping

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.storage.models import CompanyModel


def count_documents(transaction: TransactWrite, cif: str, changes: Mapping[str, int]) -> None:
    """Add to a transaction the change of the company's document counters: `changes` maps a
    document kind (received, sent, error, buyer_message, unknown) to +n or -n."""
    actions: list[Action] = [CompanyModel.document_count.add(sum(changes.values()))]
    actions += [getattr(CompanyModel, f"count_{kind}").add(delta) for kind, delta in changes.items()]
    transaction.update(CompanyModel(cif=cif), actions=actions, condition=CompanyModel.cif.exists())
