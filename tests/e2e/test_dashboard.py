"""The leads' dashboard in a real browser: the headline figures with their definition, the service's own SVG charts
(rendered, titled, not blank), the CSV of a chart's table equal to what the page counts, a filter, and the empty
state of a period without tickets."""
import csv
import io
import urllib.request

from conftest import BASE_URL
from test_portal import unique


def test_dashboard_figures_charts_and_csv(portal):
    # At least one ticket today, so the period is not empty.
    portal.login("dan@example.com")
    portal.new_ticket(unique("Delivery time"), "how long does delivery take?")
    portal.logout()

    portal.login("lead@example.com")
    portal.clickable("#nav-dashboard").click()
    portal.wait_path(r"/agent/dashboard")
    opened = int(portal.el("#figure-opened .figure-value").text)
    assert opened >= 1, "the dashboard counts no ticket opened today"
    assert "%" in portal.el("#figure-automatic .figure-value").text
    assert "7 days" in portal.el("#resolution-definition").text
    chart = portal.el("svg#chart-daily")
    assert chart.size["width"] > 300 and chart.size["height"] > 100, f"the daily chart is not drawn: {chart.size}"
    assert portal.driver.execute_script("return document.querySelectorAll('svg#chart-daily rect.series-0').length") >= 30
    assert portal.driver.execute_script("return document.querySelector('#chart-daily-title').textContent") \
        == "Tickets opened and resolved per day"
    portal.shot("dashboard")

    # The CSV behind the chart counts what the page counts.
    href = portal.el("#csv-days").get_attribute("href")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in portal.driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(href, headers={"Cookie": cookie}), timeout=20) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode())))
    assert sum(int(r["opened"]) for r in rows) == opened, "the CSV's tickets differ from the page's"

    # A period without tickets says so.
    portal.open("/agent/dashboard?from=2020-01-01&to=2020-01-07")
    assert "nothing in this period" in portal.el("#chart-daily").text
    assert portal.el("#figure-opened .figure-value").text == "0"
    portal.shot("dashboard-empty")
