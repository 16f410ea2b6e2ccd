"""Administering the district: setting it up (setup, orgfile), its units, operators, calendar and policy, the audit,
and the sample district; above matters (a calendar change recounts deadlines, the sample plays matters)."""
