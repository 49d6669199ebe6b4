"""Gate presence: IN/OUT/SEEN at a site's gate, visitors and staff on site, the
evacuation list and the roll call at the assembly point."""
