"""Initial schema: actors, sources, claims, stances and the links between them.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("name_folded", sa.String(length=400), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reliability", sa.String(length=1), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('person', 'organization', 'government', 'agency', 'military', 'media', 'fact_checker', 'group')",
            name=op.f("ck_actors_kind"),
        ),
        sa.CheckConstraint(
            "reliability IN ('A', 'B', 'C', 'D', 'E', 'F')", name=op.f("ck_actors_reliability")
        ),
        sa.CheckConstraint(
            "length(country) = 2 AND country = upper(country)", name=op.f("ck_actors_country")
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_actors_name_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actors")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_actors_kind_name")),
    )
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actors_country_id"), ["country", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_actors_name_folded_id"), ["name_folded", "id"], unique=False
        )

    op.create_table(
        "claims",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("statement_key", sa.String(length=64), nullable=False),
        sa.Column("occurred_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("occurred_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("length(statement) > 0", name=op.f("ck_claims_statement_not_empty")),
        sa.CheckConstraint(
            "occurred_from IS NULL OR occurred_to IS NULL OR occurred_from <= occurred_to",
            name=op.f("ck_claims_occurred_interval"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("statement_key", name=op.f("uq_claims_statement_key")),
    )
    op.create_table(
        "actor_aliases",
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("alias", sa.String(length=400), nullable=False),
        sa.Column("alias_folded", sa.String(length=400), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_aliases_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", "alias", name=op.f("pk_actor_aliases")),
    )
    with op.batch_alter_table("actor_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_actor_aliases_alias_folded"), ["alias_folded"], unique=False
        )

    op.create_table(
        "actor_external_ids",
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_external_ids_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", "scheme", name=op.f("pk_actor_external_ids")),
        sa.UniqueConstraint("scheme", "value", name=op.f("uq_actor_external_ids_scheme_value")),
    )
    op.create_table(
        "affiliations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=400), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('member_of', 'part_of', 'spokesperson_for', 'employed_by', 'leads')",
            name=op.f("ck_affiliations_kind"),
        ),
        sa.CheckConstraint("actor_id <> organization_id", name=op.f("ck_affiliations_not_self")),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to",
            name=op.f("ck_affiliations_interval"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_affiliations_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["actors.id"],
            name=op.f("fk_affiliations_organization_id_actors"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliations")),
        sa.UniqueConstraint(
            "actor_id",
            "organization_id",
            "kind",
            "valid_from",
            name=op.f("uq_affiliations_actor_id_organization_id_kind_valid_from"),
        ),
    )
    with op.batch_alter_table("affiliations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_affiliations_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "claim_relations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("related_claim_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('contradicts', 'supports', 'refines', 'same_as')",
            name=op.f("ck_claim_relations_kind"),
        ),
        sa.CheckConstraint(
            "claim_id <> related_claim_id", name=op.f("ck_claim_relations_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_relations_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["related_claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_relations_related_claim_id_claims"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_relations")),
        sa.UniqueConstraint(
            "claim_id",
            "related_claim_id",
            "kind",
            name=op.f("uq_claim_relations_claim_id_related_claim_id_kind"),
        ),
    )
    with op.batch_alter_table("claim_relations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_relations_related_claim_id"), ["related_claim_id"], unique=False
        )

    op.create_table(
        "claim_subjects",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_claim_subjects_actor_id_actors"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_subjects_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "actor_id", name=op.f("pk_claim_subjects")),
    )
    with op.batch_alter_table("claim_subjects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_subjects_actor_id_claim_id"),
            ["actor_id", "claim_id"],
            unique=False,
        )

    op.create_table(
        "claim_tags",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_tags_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "tag", name=op.f("pk_claim_tags")),
    )
    with op.batch_alter_table("claim_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_tags_tag_claim_id"), ["tag", "claim_id"], unique=False
        )

    op.create_table(
        "sources",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("publisher_id", sa.Uuid(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retrieved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('news_article', 'statement', 'press_briefing', 'report', 'social_post', 'transcript', 'fact_check', 'other')",
            name=op.f("ck_sources_kind"),
        ),
        sa.CheckConstraint("length(content_hash) = 64", name=op.f("ck_sources_content_hash")),
        sa.ForeignKeyConstraint(
            ["publisher_id"],
            ["actors.id"],
            name=op.f("fk_sources_publisher_id_actors"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("url", name=op.f("uq_sources_url")),
    )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sources_kind_id"), ["kind", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sources_publisher_id_id"), ["publisher_id", "id"], unique=False
        )

    op.create_table(
        "citations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("cited_source_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('cites', 'quotes', 'republishes', 'translates')",
            name=op.f("ck_citations_kind"),
        ),
        sa.CheckConstraint("source_id <> cited_source_id", name=op.f("ck_citations_not_self")),
        sa.ForeignKeyConstraint(
            ["cited_source_id"],
            ["sources.id"],
            name=op.f("fk_citations_cited_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_citations_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citations")),
        sa.UniqueConstraint(
            "source_id",
            "cited_source_id",
            "kind",
            name=op.f("uq_citations_source_id_cited_source_id_kind"),
        ),
    )
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citations_cited_source_id"), ["cited_source_id"], unique=False
        )

    op.create_table(
        "source_authors",
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_source_authors_actor_id_actors"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_authors_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "actor_id", name=op.f("pk_source_authors")),
    )
    with op.batch_alter_table("source_authors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_authors_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "stances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("confidence", sa.String(length=16), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("quote_start", sa.Integer(), nullable=True),
        sa.Column("quote_end", sa.Integer(), nullable=True),
        sa.Column("quote_prefix", sa.String(length=64), nullable=True),
        sa.Column("quote_suffix", sa.String(length=64), nullable=True),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retraction_source_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(label = 'confirmed' AND side = 'support') OR (label = 'asserted' AND side = 'support') OR (label = 'highly_likely' AND side = 'support') OR (label = 'likely' AND side = 'support') OR (label = 'possible' AND side = 'neutral') OR (label = 'reported' AND side = 'neutral') OR (label = 'no_comment' AND side = 'neutral') OR (label = 'questioned' AND side = 'dispute') OR (label = 'unlikely' AND side = 'dispute') OR (label = 'highly_unlikely' AND side = 'dispute') OR (label = 'denied' AND side = 'dispute')",
            name=op.f("ck_stances_side_matches_label"),
        ),
        sa.CheckConstraint(
            "confidence IN ('low', 'moderate', 'high')", name=op.f("ck_stances_confidence")
        ),
        sa.CheckConstraint(
            "label IN ('confirmed', 'asserted', 'highly_likely', 'likely', 'possible', 'reported', 'no_comment', 'questioned', 'unlikely', 'highly_unlikely', 'denied')",
            name=op.f("ck_stances_label"),
        ),
        sa.CheckConstraint(
            "side IN ('support', 'neutral', 'dispute')", name=op.f("ck_stances_side")
        ),
        sa.CheckConstraint(
            "probability >= 0 AND probability <= 1", name=op.f("ck_stances_probability")
        ),
        sa.CheckConstraint(
            "quote_start IS NULL OR (quote_start >= 0 AND quote_end > quote_start)",
            name=op.f("ck_stances_quote_span"),
        ),
        sa.CheckConstraint(
            "retraction_source_id IS NULL OR retracted_at IS NOT NULL",
            name=op.f("ck_stances_retraction"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_stances_actor_id_actors"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_stances_claim_id_claims"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["retraction_source_id"],
            ["sources.id"],
            name=op.f("fk_stances_retraction_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_stances_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stances")),
    )
    with op.batch_alter_table("stances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stances_actor_id_side_id"), ["actor_id", "side", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stances_claim_id_label_id"), ["claim_id", "label", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stances_claim_id_side_id"), ["claim_id", "side", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stances_claim_id_stated_at"), ["claim_id", "stated_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stances_label_id"), ["label", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stances_retraction_source_id"), ["retraction_source_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stances_side_id"), ["side", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stances_source_id_id"), ["source_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stances_source_id_id"))
        batch_op.drop_index(batch_op.f("ix_stances_side_id"))
        batch_op.drop_index(batch_op.f("ix_stances_retraction_source_id"))
        batch_op.drop_index(batch_op.f("ix_stances_label_id"))
        batch_op.drop_index(batch_op.f("ix_stances_claim_id_stated_at"))
        batch_op.drop_index(batch_op.f("ix_stances_claim_id_side_id"))
        batch_op.drop_index(batch_op.f("ix_stances_claim_id_label_id"))
        batch_op.drop_index(batch_op.f("ix_stances_actor_id_side_id"))

    op.drop_table("stances")
    with op.batch_alter_table("source_authors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_authors_actor_id"))

    op.drop_table("source_authors")
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citations_cited_source_id"))

    op.drop_table("citations")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_publisher_id_id"))
        batch_op.drop_index(batch_op.f("ix_sources_kind_id"))

    op.drop_table("sources")
    with op.batch_alter_table("claim_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_tags_tag_claim_id"))

    op.drop_table("claim_tags")
    with op.batch_alter_table("claim_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_subjects_actor_id_claim_id"))

    op.drop_table("claim_subjects")
    with op.batch_alter_table("claim_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_relations_related_claim_id"))

    op.drop_table("claim_relations")
    with op.batch_alter_table("affiliations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affiliations_organization_id"))

    op.drop_table("affiliations")
    op.drop_table("actor_external_ids")
    with op.batch_alter_table("actor_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actor_aliases_alias_folded"))

    op.drop_table("actor_aliases")
    op.drop_table("claims")
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actors_name_folded_id"))
        batch_op.drop_index(batch_op.f("ix_actors_country_id"))

    op.drop_table("actors")
