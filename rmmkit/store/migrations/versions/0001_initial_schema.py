"""Initial schema: runs, task results, site locks, scans, scan rows, deployment events,
facts, schedule runs.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# JSON columns are JSONB on PostgreSQL (compact, indexable), TEXT-backed JSON on SQLite
JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('deployment_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=True),
    sa.Column('site', sa.Text(), nullable=True),
    sa.Column('host', sa.Text(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('ip_key', sa.String(length=32), nullable=True),
    sa.Column('agent', sa.Text(), nullable=True),
    sa.Column('from_version', sa.Text(), nullable=True),
    sa.Column('to_version', sa.Text(), nullable=True),
    sa.Column('method', sa.Text(), nullable=True),
    sa.Column('started', sa.Float(precision=53), nullable=False),
    sa.Column('ended', sa.Float(precision=53), nullable=True),
    sa.Column('result', sa.String(length=24), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('causes', JSON, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment_events')),
    sa.UniqueConstraint('event_key', name=op.f('uq_deployment_events_event_key'))
    )
    with op.batch_alter_table('deployment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deployment_events_host_started'), ['host', 'started'], unique=False)
        batch_op.create_index(batch_op.f('ix_deployment_events_site_started'), ['site', 'started'], unique=False)

    op.create_table('facts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('host', sa.Text(), nullable=False),
    sa.Column('site', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('collected_at', sa.Float(precision=53), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facts')),
    sa.UniqueConstraint('host', 'site', 'kind', 'collected_at', name=op.f('uq_facts_host_site_kind_collected_at'))
    )
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facts_kind_site_host'), ['kind', 'site', 'host'], unique=False)

    op.create_table('runs',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('playbook', sa.Text(), nullable=False),
    sa.Column('sites', JSON, nullable=False),
    sa.Column('scope_key', sa.Text(), nullable=False),
    sa.Column('check_mode', sa.Boolean(), nullable=False),
    sa.Column('hosts', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('counts', JSON, nullable=True),
    sa.Column('started', sa.Float(precision=53), nullable=False),
    sa.Column('ended', sa.Float(precision=53), nullable=True),
    sa.Column('owner_host', sa.Text(), nullable=False),
    sa.Column('owner_pid', sa.Integer(), nullable=False),
    sa.Column('owner_token', sa.Text(), nullable=False),
    sa.Column('heartbeat', sa.Float(precision=53), nullable=False),
    sa.Column('interrupted_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_runs'))
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runs_scope_key_started'), ['scope_key', 'started'], unique=False)
        batch_op.create_index(batch_op.f('ix_runs_status_started'), ['status', 'started'], unique=False)

    op.create_table('scans',
    sa.Column('scan_id', sa.String(length=32), nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=True),
    sa.Column('site', sa.Text(), nullable=False),
    sa.Column('scope_key', sa.Text(), nullable=False),
    sa.Column('ranges', JSON, nullable=False),
    sa.Column('excludes', JSON, nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('started', sa.Float(precision=53), nullable=False),
    sa.Column('ended', sa.Float(precision=53), nullable=True),
    sa.Column('owner_token', sa.Text(), nullable=False),
    sa.Column('heartbeat', sa.Float(precision=53), nullable=False),
    sa.PrimaryKeyConstraint('scan_id', name=op.f('pk_scans'))
    )
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scans_site_started'), ['site', 'started'], unique=False)

    op.create_table('schedule_runs',
    sa.Column('schedule_id', sa.Text(), nullable=False),
    sa.Column('due_at', sa.Float(precision=53), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('claimed_by', sa.Text(), nullable=False),
    sa.Column('owner_token', sa.Text(), nullable=False),
    sa.Column('claimed_at', sa.Float(precision=53), nullable=False),
    sa.Column('finished_at', sa.Float(precision=53), nullable=True),
    sa.PrimaryKeyConstraint('schedule_id', 'due_at', name=op.f('pk_schedule_runs'))
    )
    op.create_table('site_locks',
    sa.Column('site', sa.Text(), nullable=False),
    sa.Column('holder', sa.Text(), nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=True),
    sa.Column('owner_host', sa.Text(), nullable=False),
    sa.Column('owner_pid', sa.Integer(), nullable=False),
    sa.Column('owner_token', sa.Text(), nullable=False),
    sa.Column('since', sa.Float(precision=53), nullable=False),
    sa.Column('heartbeat', sa.Float(precision=53), nullable=False),
    sa.PrimaryKeyConstraint('site', name=op.f('pk_site_locks'))
    )
    op.create_table('scan_rows',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('scan_id', sa.String(length=32), nullable=False),
    sa.Column('site', sa.Text(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('ip_key', sa.String(length=32), nullable=False),
    sa.Column('hostname', sa.Text(), nullable=True),
    sa.Column('mac', sa.String(length=32), nullable=True),
    sa.Column('mac_vendor', sa.Text(), nullable=True),
    sa.Column('os', sa.Text(), nullable=True),
    sa.Column('agent_status', sa.String(length=24), nullable=True),
    sa.Column('agent', sa.Text(), nullable=True),
    sa.Column('agent_version', sa.Text(), nullable=True),
    sa.Column('resource_type', sa.String(length=32), nullable=True),
    sa.Column('machine_status', sa.String(length=16), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('found_by', sa.Text(), nullable=True),
    sa.Column('sources', JSON, nullable=True),
    sa.Column('extra', JSON, nullable=True),
    sa.Column('seen_at', sa.Float(precision=53), nullable=False),
    sa.Column('updated_at', sa.Float(precision=53), nullable=False),
    sa.ForeignKeyConstraint(['scan_id'], ['scans.scan_id'], name=op.f('fk_scan_rows_scan_id_scans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_rows')),
    sa.UniqueConstraint('scan_id', 'ip', name=op.f('uq_scan_rows_scan_id_ip'))
    )
    with op.batch_alter_table('scan_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_rows_site_ip_key'), ['site', 'ip_key'], unique=False)

    op.create_table('task_results',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('host', sa.Text(), nullable=False),
    sa.Column('task', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('msg', sa.Text(), nullable=False),
    sa.Column('data', JSON, nullable=True),
    sa.Column('diff', JSON, nullable=True),
    sa.Column('causes', JSON, nullable=True),
    sa.Column('started', sa.Float(precision=53), nullable=False),
    sa.Column('ended', sa.Float(precision=53), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_task_results_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_results')),
    sa.UniqueConstraint('run_id', 'host', 'task', 'action', 'started', name=op.f('uq_task_results_run_id_host_task_action_started'))
    )
    with op.batch_alter_table('task_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_results_host_started'), ['host', 'started'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('task_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_results_host_started'))

    op.drop_table('task_results')
    with op.batch_alter_table('scan_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_rows_site_ip_key'))

    op.drop_table('scan_rows')
    op.drop_table('site_locks')
    op.drop_table('schedule_runs')
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scans_site_started'))

    op.drop_table('scans')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_status_started'))
        batch_op.drop_index(batch_op.f('ix_runs_scope_key_started'))

    op.drop_table('runs')
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facts_kind_site_host'))

    op.drop_table('facts')
    with op.batch_alter_table('deployment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deployment_events_site_started'))
        batch_op.drop_index(batch_op.f('ix_deployment_events_host_started'))

    op.drop_table('deployment_events')
