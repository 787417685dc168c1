"""Page: an enterprise submits an offering (a new technology or product)."""
from matcher.domain.records import Side
from ui.submit_common import submit_page

submit_page(Side.SUPPLY)
