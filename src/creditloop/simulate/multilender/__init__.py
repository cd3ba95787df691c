"""Multi-lender simulation of systemic risk (issue #19 part 3): several lenders, one population, sharing off / on.

``params`` (lenders and documented parameters), ``accounts`` (a member's line, billed monthly), ``member`` (the
in-process consortium desk each lender talks to: pseudonyms, consent, contributions, thresholded queries),
``world`` (the monthly loop), ``report`` (metrics per lender and system, intervals over seeds)."""
