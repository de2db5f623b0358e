"""boundaries: ONS county, district and ward outlines as GeoJSON, loaded by `flask geo load`

Revision ID: 008
Revises: 007
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '008'
down_revision = '007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('boundary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('parent_code', sa.String(length=9), nullable=True),
    sa.Column('geojson', sa.Text(), nullable=False),
    sa.Column('label_lon', sa.Float(), nullable=True),
    sa.Column('label_lat', sa.Float(), nullable=True),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boundary')),
    sa.UniqueConstraint('kind', 'code', name='uq_boundary_kind_code')
    )
    with op.batch_alter_table('boundary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boundary_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_boundary_parent_code'), ['parent_code'], unique=False)


def downgrade():
    with op.batch_alter_table('boundary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boundary_parent_code'))
        batch_op.drop_index(batch_op.f('ix_boundary_kind'))

    op.drop_table('boundary')
