"""The REST API for LMSs and scripts, versioned under /api/v1 and authenticated by API tokens."""
