"""The For You ranker: signals, scoring, traffic pools, candidates, diversity, ad slots."""
