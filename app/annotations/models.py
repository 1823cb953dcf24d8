"""Typed annotations, stored per revision (inline ones from the text and structured ones from the API)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class PageAnnotation(Base):
    """One `property = value` statement of one revision, with its value in typed columns."""

    __tablename__ = "annotation"
    __table_args__ = (
        Index("ix_annotation_revision_id", "revision_id"),
        Index("ix_annotation_property_iri_value_iri", "property_iri", "value_iri"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, comment="Order within the revision")
    origin: Mapped[str] = mapped_column(String(12), comment="inline (in the text) or structured (API payload)")
    property_iri: Mapped[str] = mapped_column(String(300))
    raw_value: Mapped[str] = mapped_column(Text, comment="As the adviser wrote it")
    kind: Mapped[str] = mapped_column(String(12), comment="date, integer, decimal, text, url, money, page, concept")
    value_text: Mapped[str] = mapped_column(Text, comment="Canonical form (ISO date, '27500 GBP', concept label ...)")
    value_number: Mapped[float | None] = mapped_column(Float)
    value_date: Mapped[date | None] = mapped_column(Date)
    value_iri: Mapped[str | None] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(20), comment="Currency code or 'percent'")
