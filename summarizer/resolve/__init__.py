"""The resolvers and canonical tables every stage shares: dates against the publication day, and the one
name of a person, country, place or meeting series."""
