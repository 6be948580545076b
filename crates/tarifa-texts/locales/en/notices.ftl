# Notices to subscribers (NOT-3). Each notice has a subject (e-mail) and a body.

rules-cited = Rules: { $rules }.

commitment-ending-subject = Your commitment for { $number } ends on { $ends_on }
commitment-ending = Notice { $notice } of { $count }: the commitment of { $number } ends on { $ends_on }. From then on the contract continues unchanged for an indefinite term and may be ended at any time without consequence. The public offer closest to your package is { $offer } at { $offer_fee } a month; you may choose any public offer instead.
commitment-ending-no-offer-subject = Your commitment for { $number } ends on { $ends_on }
commitment-ending-no-offer = Notice { $notice } of { $count }: the commitment of { $number } ends on { $ends_on }. From then on the contract continues unchanged for an indefinite term and may be ended at any time without consequence. You may choose any public offer.

bill-issued-subject = Your bill { $bill }
bill-issued = Your bill { $bill } for { $from } to { $to } is issued: { $total_due } to pay by { $due_on }.
bill-issued-nothing-due-subject = Your bill { $bill }
bill-issued-nothing-due = Your bill { $bill } for { $from } to { $to } is issued: nothing to pay; { $credit } stays to your credit.

dunning-subject = Bill { $bill } is overdue
dunning = Bill { $bill } was due on { $due_on } and { $open } is still unpaid. Please pay by { $deadline }; otherwise outgoing calls will be suspended (emergency and customer-centre numbers stay open), and { $window } days later the number will be disconnected for good.

suspension-unpaid-subject = Outgoing calls of { $number } are suspended
suspension-unpaid = Outgoing calls of { $number } are suspended because bill { $bill } is unpaid. Pay within { $window } days to have them restored; emergency and customer-centre numbers stay open.

disconnection-unpaid-subject = { $number } is disconnected
disconnection-unpaid = { $number } is permanently disconnected for non-payment and the contract has ended.

reconnection-subject = Outgoing calls of { $number } are restored
reconnection = Thank you for your payment: outgoing calls of { $number } are restored.

price-change-subject = New price of { $package } from { $effective }
price-change = The monthly fee of { $package } changes from { $old_fee } to { $new_fee } on { $effective }.
price-change-unfavourable-subject = New price of { $package } from { $effective }
price-change-unfavourable = The monthly fee of { $package } changes from { $old_fee } to { $new_fee } on { $effective }. The change is unfavourable to you: from { $from } to { $to } you may end the contract of { $number } with no penalty.

package-withdrawn-subject = { $package } is withdrawn on { $effective }
package-withdrawn = The package { $package } is withdrawn from sale on { $effective }. From that day your contract continues on { $new_package }, the closest package we offer, at { $new_fee } a month.

terms-change-subject = Our general terms change from { $effective }
terms-change = Our general terms change from { $effective }: { $summary }
terms-change-unfavourable-subject = Our general terms change from { $effective }
terms-change-unfavourable = Our general terms change from { $effective }: { $summary } The change is unfavourable to you: from { $from } to { $to } you may end your contracts with no penalty and no notice period.

number-change-subject = Your number { $number } changes on { $effective }
number-change = Your number { $number } becomes { $new_number } on { $effective }.

complaint-upheld-subject = Your complaint about bill { $bill } is upheld
complaint-upheld = Your complaint about bill { $bill } is upheld; { $credit } will be credited on your next bill.
complaint-rejected-subject = Decision on your complaint about bill { $bill }
complaint-rejected = Your complaint about bill { $bill } is rejected, with the reasons given. You may appeal to the regulator by { $appeal_by }.

abuse-warning-subject = Warning about the use of { $number }
abuse-warning = We have found a use of { $number } that the terms prohibit. This is a warning: if it continues, outgoing traffic will be suspended for at least { $days } days.

abuse-suspension-subject = Outgoing traffic of { $number } is suspended
abuse-suspension = Outgoing traffic of { $number } is suspended for a use the terms prohibit, until { $until } at least. Sign a statement that the abuse will not be repeated by { $remedy_by }; otherwise the number will be disconnected for good.

abuse-deadline-subject = Action needed for { $number } by { $remedy_by }
abuse-deadline = { $number } will be disconnected for good unless the matter we raised is remedied by { $remedy_by }.

abuse-disconnection-subject = { $number } is disconnected
abuse-disconnection = { $number } is permanently disconnected for a use the terms prohibit, and the contract has ended.

unlock-code-ready-subject = The unlock code for your { $model } has arrived
unlock-code-ready = The manufacturer has delivered the unlock code for your { $model } (IMEI { $imei }). Enter it carefully: more than { $attempts } wrong entries disable unlocking by code, and further unlocking is at your cost.

credit-note-issued-subject = Credit note { $bill }
credit-note-issued = Credit note { $bill } takes { $credited } off your bill for { $from } to { $to }: { $total_due } is still to pay.
credit-note-issued-nothing-due-subject = Credit note { $bill }
credit-note-issued-nothing-due = Credit note { $bill } takes { $credited } off your bill for { $from } to { $to }: nothing is left to pay; { $credit } stays to your credit.
