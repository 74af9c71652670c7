"""Contacts of accounts and their stakeholder map: writes (``services``), reads scoped to
the requesting user (``selectors``), the import of contacts files (``imports``), and the
account page's "Stakeholders" section (``forms``, ``views``)."""
