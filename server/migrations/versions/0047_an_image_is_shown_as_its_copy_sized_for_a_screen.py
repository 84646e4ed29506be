"""an image is shown as its copy sized for a screen

A document's page showed an image as its original file: a phone's 4,000 px photo of 4 MB, about 80 s on 3G at every
view (an outside probe's find). An image document now has one page image, its copy sized for a screen
(server/files/screen.py), made when it is added; those added before are asked for theirs here, as a PDF's pages
were: `page_count` NULL, made at the first view (files/pages.py, `pages_of`).

Downgrade: the copies' rows go and images are back to "no page images"; their files, held by no row, are what
`carnet files check --repair` removes.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-20
"""

from alembic import op


revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None

IMAGES = "('image/png', 'image/jpeg')"


def upgrade() -> None:
    op.execute(f"UPDATE document SET page_count = NULL WHERE mime_type IN {IMAGES} AND page_count = 0 "
               "AND deleted_at IS NULL")


def downgrade() -> None:
    op.execute(f"DELETE FROM documentpage WHERE document_id IN (SELECT id FROM document WHERE mime_type IN {IMAGES})")
    op.execute(f"UPDATE document SET page_count = 0 WHERE mime_type IN {IMAGES}")
