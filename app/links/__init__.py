"""Owned links: a record hanging off an owner record and pointing at another record of the
same or another table (an actor's affiliation with an organization, a source's citation of
another source, a claim's relation to another claim). One service and one set of routes
serve every kind; each kind is described once, by a `LinkKind`."""
