"""A small preset whose expected values the tests compute by hand."""

SMALL = """\
schema_version: 1
scenario:
  name: Small
  users: 1000
  events_per_user_per_day: 10
  base_rate: 0.1
model: {source: synthetic, auc: 0.8}
experience:
  bands:
    - {threshold: 0.5, mode: automate}
    - {threshold: 0.2, mode: prompt}
    - {threshold: 0.0, mode: none}
  modes:
    automate: {forcefulness: 1.0}
    prompt: {forcefulness: 0.25}
response:
  modes:
    automate:
      act_if_positive: {low: 0.9, high: 0.95}
      act_if_negative: {low: 0.5, high: 0.7}
    prompt:
      act_if_positive: {low: 0.4, high: 0.8}
      act_if_negative: {low: 0.2, high: 0.6}
      habituation: 0.3
  unprompted: {positive: 0.1, negative: 0.02}
  trust_matching: 0.9
payoffs:
  value_of_time_per_hour: {user: 30, operator: 60, business: 0}
  positive_acted:
    - {stakeholder: user, amount: 200}
    - {stakeholder: business, amount: 20}
  positive_missed:
    - {stakeholder: user, amount: -300}
  negative_acted:
    - {stakeholder: user, amount: -10}
    - {stakeholder: operator, amount: -15, unit: minutes}
  negative_ignored: []
  attention:
    automate: {minutes_low: 0.5, minutes_high: 1.5, stakeholder: user}
    prompt: {minutes_low: 0.1, minutes_high: 0.5, stakeholder: user}
"""

# Every event automated (one band from 0): value added per day is
# users x (pi x 0.9 x A - (1 - pi) x x_neg x 10), linear in the harm avoided A and in the
# chance x_neg that a false block stands. At the point values (A = 20, x_neg = 0.1):
# 1000 x (0.09 x 20 - 0.9 x 0.1 x 10) = $900 a day; it crosses 0 at A = 10.
HAND = """\
schema_version: 2
scenario: {name: Hand, users: 1000, events_per_user_per_day: 1, base_rate: 0.1}
model: {source: synthetic, auc: 0.8}
experience:
  bands:
    - {threshold: 0.0, mode: automate}
  modes:
    automate: {forcefulness: 0.5}
response:
  modes:
    automate:
      act_if_positive: {low: 0.9, high: 0.9}
      act_if_negative: {low: 0.05, high: 0.15}
  unprompted: {positive: 0.0, negative: 0.0}
  trust_matching: 0.0
payoffs:
  positive_acted:
    - {stakeholder: user, amount: 20, label: harm avoided}
  negative_acted:
    - {stakeholder: user, amount: -10, label: a false block}
uncertainty:
  payoffs.positive_acted[0].amount: {low: 0, high: 40}
"""
