"""After the visit: CollaboRATE, the follow-up with the Decision Regret Scale, the follow-up list
and the clinic's de-identified decision-quality figures."""
