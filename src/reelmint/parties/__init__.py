"""Parties: who calls reelmint (users, creators, advertisers, merchants, brands, admins),
and the API keys they call with."""
