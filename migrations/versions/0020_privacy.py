"""data protection: restriction and anonymisation marks, privacy requests, the
data-protection role

Revision ID: 0020_privacy
Revises: 0021_topic_scope
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa



revision = "0020_privacy"
down_revision = "0021_topic_scope"
branch_labels = None
depends_on = None

OLD_ROLES = ("role IN ('admin', 'intake', 'housing', 'service_point', 'caseworker', "
             "'coordinator', 'security')")
NEW_ROLES = ("role IN ('admin', 'intake', 'housing', 'service_point', 'caseworker', "
             "'coordinator', 'security', 'data_protection')")


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_account_role'), NEW_ROLES)
    for table in ('household', 'person'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('restricted_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'privacy_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('whole_household', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('refusal', sa.String(length=300), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('access', 'erasure', 'restriction', 'lift_restriction')",
                           name=op.f('ck_privacy_request_kind')),
        sa.CheckConstraint("outcome IN ('done', 'refused')",
                           name=op.f('ck_privacy_request_outcome')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                                name=op.f('fk_privacy_request_decided_by_id_user_account')),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'],
                                name=op.f('fk_privacy_request_household_id_household')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_privacy_request_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_request')),
    )
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_request_household_id'), ['household_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_request_person_id'), ['person_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_request_person_id'))
        batch_op.drop_index(batch_op.f('ix_privacy_request_household_id'))
    op.drop_table('privacy_request')
    for table in ('person', 'household'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('anonymised_at')
            batch_op.drop_column('restricted_at')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_account_role'), OLD_ROLES)
