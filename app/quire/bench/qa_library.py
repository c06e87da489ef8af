"""A realistic small library with known answers: what `quire bench --only answers` asks and checks.

Notes, multi-page PDFs (wrapped lines, a hyphenated word, a table) and decks (titles, bullets,
tables, speaker notes), as people keep them; each question names the fact a good answer carries.
A fact is a list of alternatives ("8 weeks" or "eight weeks"); an answer has it when any appears."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Question:
    question: str
    facts: tuple[str, ...]  # any one of these in the answer carries the fact; () = not in the library
    source: str  # the file that holds it
    kind: str = "fact"  # fact | none (not in the library) | library (about the whole library)


HANDBOOK = [
    "Employee handbook of Brightwater Analytics. Welcome to the team. This handbook explains how we "
    "work, what we offer and what we expect. It applies to all permanent staff in every office. "
    "Questions about it go to the People team, who keep it up to date twice a year.",
    "Working hours. Our core hours are 10:00 to 15:00, when everyone is expected to be reachable. "
    "Outside the core hours you organise your own day with your team. Remote work: you may work from "
    "home up to three days per week; the other days are spent in the office with your team. Meetings "
    "are not scheduled on Friday afternoons.",
    "Leave. Full-time employees receive 28 days of annual leave per calendar year, plus public "
    "holidays. Unused leave of up to five days may be carried over to the next year. Sabbatical: "
    "after five years of continuous service you may take a paid sabbatical of eight weeks, once in "
    "every five-year period. Apply to your manager at least three months before it starts.",
    "Family and health. Parental leave is 20 weeks on full pay for every parent, to be taken within "
    "the first two years. If you are ill, tell your manager before 9:30 on the first day of absence. "
    "From the fourth day of illness a doctor's note is required. Our employee assistance line is "
    "confidential and open day and night.",
    "Benefits. The company matches pension contributions up to 6% of the base salary. Every employee "
    "receives a gym allowance of 40 euros per month, paid with the salary. Bicycles can be leased "
    "through the salary as well. Eye tests for screen work are reimbursed once a year.",
    "Equipment. Laptops are replaced every three years, or sooner when they fail. Lost or stolen "
    "equipment must be reported to the IT service desk within 24 hours. Personal software may not be "
    "installed on company laptops without approval from IT.",
]

RESEARCH = [
    "Coastal Sensor Network: results of the 2023 field season. Abstract. We report measurements from "
    "a network of 48 coastal sensors operated between April and October 2023, and a survey of the "
    "people who live near them.",
    "Methods. The sensor network recorded a mean water temperature of 14.3 degrees Celsius across the "
    "season, with a maximum in late August. The survey reached 1,240 participants in nine coastal "
    "towns. Each participant answered questions about flooding, fishing and tourism. Response rates "
    "were highest in the smaller towns, where the survey team visited in person. Sensors were "
    "recalibrated monthly against a reference thermo-\nmeter kept at the field station.",
    "Results. Salinity fell after heavy rain in September. Residents who had experienced flooding "
    "were twice as likely to support new sea defences. The sensor on the harbour wall failed in July "
    "and was replaced within a week. Conclusion: the network should be extended to 60 sensors by 2025.",
]

VENDORS = [
    "Vendor contracts overview, finance department. The table lists our main suppliers.\n"
    "Vendor | Service | Contract ends | Annual cost\n"
    "CloudPeak | Hosting | June 2026 | 18,000 euros\n"
    "Nordlicht | Office cleaning | March 2025 | 7,400 euros\n"
    "Papyrus Print | Printing | December 2025 | 2,150 euros\n"
    "Contracts are reviewed three months before they end. The finance controller signs renewals.",
]

LIGHTHOUSE = [
    "Annual report of the Harbour Lighthouse Society. Introduction and overview of the year.",
    "Finances. The society spent 4,200 euros on repainting the lighthouse tower. Donations rose "
    "slightly compared with last year.",
    "Wildlife. Volunteers counted 287 puffins nesting on the northern cliffs in June.",
    "Outlook. The committee plans a new visitor centre opening in 2027.",
]

NOTES = {
    "travel-policy.md": """# Travel and expenses policy

## Flights
Book economy class for flights shorter than six hours. Flights of six hours or longer may be booked
in business class with your manager's approval.

## Trains
Travel by train in second class. First class is allowed for journeys longer than three hours.

## Hotels
The nightly hotel limit is 180 euros in Berlin and 250 euros in London. Anything above the limit
needs a written reason in the expense report.

## Meals
The daily meal allowance on business trips is 45 euros. Alcohol is not reimbursed.

## Expense reports
Submit the expense report within 30 days of returning from the trip. Reports submitted later than
60 days are not reimbursed.
""",
    "it-security.md": """# IT security guidelines

## Passwords
Passwords must be at least 14 characters long. Use the company password manager, Vaultwise, to
create and store them. Never reuse a password across services.

## Multi-factor authentication
Multi-factor authentication is required for email, the VPN and all cloud tools. Use the Duo Mobile
app on your phone; hardware keys are available from the service desk.

## Phishing
Forward suspicious emails to phishing@brightwater.example and then delete them. Do not click links
in messages that ask for your password.

## Laptops
Laptop disks are encrypted. Lock your screen whenever you leave your desk.
""",
    "meeting-2024-10-21-acme.md": """# Customer meeting with Acme Corp, 21 October 2024

Attendees: Jonas Berg (account lead), Mei Tanaka (Acme operations), Ruth Okafor (product).

## Decisions
- Acme will extend the pilot by three months, to the end of January 2025.
- The reporting dashboard moves to weekly updates instead of monthly.

## Risks
- Acme's data export is still manual and error-prone.
- Their budget for next year is not yet approved.

## Actions
- Jonas Berg sends the revised proposal by 28 October.
- Next meeting with Acme on 4 November 2024.
""",
    "onboarding.md": """# Onboarding checklist

## First day
- Collect your badge from reception on the ground floor.
- Your laptop is set up by IT before you arrive.
- Your buddy meets you at 9:00 and shows you around.

## First week
- Complete the security training in the learning portal.
- Book a one-to-one with your manager.
""",
    "lemon-cake.txt": "Grandmother's lemon cake\n\n200 g flour, 150 g sugar, 3 eggs and the zest of two "
    "lemons. Mix, pour into a buttered tin and bake for 40 minutes at 180 degrees. Let it cool before "
    "adding the icing.\n",
}

DECKS = {
    "q3-2024-review.pptx": [
        {"title": "Q3 2024 business review", "body": "Sales, customers and plans for the next quarter"},
        {
            "title": "Revenue",
            "body": "Revenue in Q3 2024 was 4.2 million euros\nUp 12% on the same quarter last year",
        },
        {"title": "Customers", "body": "We won 312 new customers in Q3\nChurn stayed below 2%"},
        {
            "title": "Risks",
            "body": "Supplier delays in the copper cable shipment\n"
            "Hiring for the support team is behind plan",
            "notes": "The copper delay is the biggest risk: it could slip the installations by six weeks.",
        },
        {"title": "Next steps", "body": "Open the Lisbon office in March 2025\nLaunch the partner programme"},
    ],
    "falcon-kickoff.pptx": [
        {"title": "Project Falcon kickoff", "body": "Goals and timeline for the observatory upgrade"},
        {"title": "Team", "body": "Project lead: Priya Raman\nEngineering: four people from the optics team"},
        {"title": "Timeline", "body": "Design review in February\nBeta of the new control software in May"},
        {
            "title": "Budget",
            "table": [["Item", "Cost"], ["Telescopes", "9,900 dollars"], ["Cabling", "1,250 dollars"]],
            "notes": "Remind everyone the telescope order closes on Friday.",
        },
    ],
}

QUESTIONS = [
    Question("How long is the sabbatical?", ("8 weeks", "eight weeks"), "handbook.pdf"),
    Question(
        "After how many years of service can I take a sabbatical?", ("5 years", "five years"), "handbook.pdf"
    ),
    Question("What are the core working hours?", ("10:00",), "handbook.pdf"),
    Question("How many days per week can I work from home?", ("three days", "3 days"), "handbook.pdf"),
    Question("How many days of annual leave do full-time employees get?", ("28",), "handbook.pdf"),
    Question("How long is parental leave?", ("20 weeks", "twenty weeks"), "handbook.pdf"),
    Question("By what time must I tell my manager that I am ill?", ("9:30",), "handbook.pdf"),
    Question("How much is the gym allowance?", ("40 euros", "40"), "handbook.pdf"),
    Question("How often are laptops replaced?", ("three years", "3 years"), "handbook.pdf"),
    Question(
        "Up to what share of salary does the company match pension contributions?",
        ("6%", "6 %"),
        "handbook.pdf",
    ),
    Question("What is the nightly hotel limit in London?", ("250",), "travel-policy.md"),
    Question("How many days do I have to submit my expense report?", ("30",), "travel-policy.md"),
    Question("Which class can I book for a flight that takes four hours?", ("economy",), "travel-policy.md"),
    Question("What is the daily meal allowance on business trips?", ("45",), "travel-policy.md"),
    Question("When may I travel first class by train?", ("three hours", "3 hours"), "travel-policy.md"),
    Question("How long must passwords be?", ("14",), "it-security.md"),
    Question("Which app do we use for multi-factor authentication?", ("Duo",), "it-security.md"),
    Question("Where do I forward a suspicious email?", ("phishing@brightwater.example",), "it-security.md"),
    Question("What was the revenue in Q3 2024?", ("4.2 million",), "q3-2024-review.pptx"),
    Question("How many new customers did we win in Q3?", ("312",), "q3-2024-review.pptx"),
    Question("What is the biggest risk in the Q3 review?", ("copper",), "q3-2024-review.pptx"),
    Question("Which office opens in March 2025?", ("Lisbon",), "q3-2024-review.pptx"),
    Question("Who leads Project Falcon?", ("Priya Raman",), "falcon-kickoff.pptx"),
    Question("How much do the telescopes cost?", ("9,900", "9900"), "falcon-kickoff.pptx"),
    Question("When is the beta of the Falcon control software?", ("May",), "falcon-kickoff.pptx"),
    Question(
        "How much did the lighthouse society spend on repainting?", ("4,200", "4200"), "lighthouse-report.pdf"
    ),
    Question("How many puffins were counted on the northern cliffs?", ("287",), "lighthouse-report.pdf"),
    Question("When will the new visitor centre open?", ("2027",), "lighthouse-report.pdf"),
    Question(
        "How long will Acme extend the pilot?", ("three months", "3 months"), "meeting-2024-10-21-acme.md"
    ),
    Question("Who sends the revised proposal to Acme?", ("Jonas",), "meeting-2024-10-21-acme.md"),
    Question(
        "When is the next meeting with Acme?", ("4 November", "November 4"), "meeting-2024-10-21-acme.md"
    ),
    Question("How long does the lemon cake bake?", ("40 minutes",), "lemon-cake.txt"),
    Question("How much flour goes into the lemon cake?", ("200 g", "200g"), "lemon-cake.txt"),
    Question("How many people took part in the coastal survey?", ("1,240", "1240"), "coastal-sensors.pdf"),
    Question("What mean water temperature did the sensors record?", ("14.3",), "coastal-sensors.pdf"),
    Question("When does the Nordlicht contract end?", ("March 2025",), "vendor-contracts.pdf"),
    Question("What is the annual cost of CloudPeak hosting?", ("18,000", "18000"), "vendor-contracts.pdf"),
    Question("Where do I collect my badge on my first day?", ("reception",), "onboarding.md"),
    Question("What is the dress code for the office?", (), "", "none"),
    Question("How many parking spaces does the office have?", (), "", "none"),
    Question("What are the main points in my documents?", (), "", "library"),
]


def make_qa_library(folder: Path) -> Path:
    """Write the library into folder (same bytes every time) and return it."""
    from quire.library.samples import make_pdf, make_pptx

    folder.mkdir(parents=True, exist_ok=True)
    make_pdf(folder / "handbook.pdf", HANDBOOK)
    make_pdf(folder / "coastal-sensors.pdf", RESEARCH)
    make_pdf(folder / "vendor-contracts.pdf", VENDORS)
    make_pdf(folder / "lighthouse-report.pdf", LIGHTHOUSE)
    for name, text in NOTES.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, slides in DECKS.items():
        make_pptx(folder / name, slides)
    return folder


def has_fact(text: str, question: Question) -> bool:
    folded = " ".join(text.casefold().split())
    return any(" ".join(f.casefold().split()) in folded for f in question.facts)
