"""residence permit for every person: the rule residence_permit_adults is now
residence_permit (issue 23), so existing items keep their rule and their progress

Revision ID: 0021_topic_scope
Revises: 0015_appointments
Create Date: 2026-12-02 01:10:00

"""
from alembic import op


revision = '0021_topic_scope'
down_revision = '0015_appointments'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE clarification_item SET rule_code = 'residence_permit' "
               "WHERE rule_code = 'residence_permit_adults'")


def downgrade():
    op.execute("UPDATE clarification_item SET rule_code = 'residence_permit_adults' "
               "WHERE rule_code = 'residence_permit'")
