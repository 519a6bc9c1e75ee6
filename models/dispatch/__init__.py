"""The Pyomo model of the dispatch contract, built per component and solved by HiGHS."""
