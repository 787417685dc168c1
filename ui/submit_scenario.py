"""Page: an enterprise submits an application scenario (a problem to solve)."""
from matcher.domain.records import Side
from ui.submit_common import submit_page

submit_page(Side.DEMAND)
