"""The synthetic-portfolio simulator. It needs the ``[sim]`` extra; a lean install fails here, naming it."""

from creditloop._extras import require_extra

require_extra("sim")
