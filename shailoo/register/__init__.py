"""Voter register: persons, eligibility, station lists, changes of voting address, lookup."""
