"""KPIs of key account management: targets, and the report of a period (scoped)."""
