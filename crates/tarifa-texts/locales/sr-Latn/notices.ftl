# Obaveštenja pretplatnicima (NOT-3), srpski, latinica.

rules-cited = Pravila: { $rules }.

commitment-ending-subject = Obavezni period za { $number } ističe { $ends_on }
commitment-ending = Obaveštenje { $notice } od { $count }: obavezni period za { $number } ističe { $ends_on }. Od tada ugovor važi nepromenjen na neodređeno vreme i možete ga raskinuti u svakom trenutku bez posledica. Javna ponuda najbliža vašem paketu je { $offer } po ceni od { $offer_fee } mesečno; umesto nje možete izabrati bilo koju javnu ponudu.
commitment-ending-no-offer-subject = Obavezni period za { $number } ističe { $ends_on }
commitment-ending-no-offer = Obaveštenje { $notice } od { $count }: obavezni period za { $number } ističe { $ends_on }. Od tada ugovor važi nepromenjen na neodređeno vreme i možete ga raskinuti u svakom trenutku bez posledica. Možete izabrati bilo koju javnu ponudu.

bill-issued-subject = Vaš račun { $bill }
bill-issued = Vaš račun { $bill } za period od { $from } do { $to } je izdat: za uplatu { $total_due }, rok plaćanja { $due_on }.
bill-issued-nothing-due-subject = Vaš račun { $bill }
bill-issued-nothing-due = Vaš račun { $bill } za period od { $from } do { $to } je izdat: nema iznosa za uplatu; u vašu korist ostaje { $credit }.

dunning-subject = Račun { $bill } nije plaćen
dunning = Račun { $bill } dospeo je { $due_on }, a { $open } još nije plaćeno. Molimo vas da platite do { $deadline }; u suprotnom biće isključeni odlazni pozivi (hitni brojevi i korisnički centar ostaju dostupni), a { $window } dana kasnije broj će biti trajno isključen.

suspension-unpaid-subject = Odlazni pozivi sa { $number } su isključeni
suspension-unpaid = Odlazni pozivi sa broja { $number } su isključeni jer račun { $bill } nije plaćen. Platite u roku od { $window } dana da bi bili ponovo uključeni; hitni brojevi i korisnički centar ostaju dostupni.

disconnection-unpaid-subject = Broj { $number } je isključen
disconnection-unpaid = Broj { $number } je trajno isključen zbog neplaćanja i ugovor je prestao.

reconnection-subject = Odlazni pozivi sa { $number } su ponovo uključeni
reconnection = Hvala na uplati: odlazni pozivi sa broja { $number } su ponovo uključeni.

price-change-subject = Nova cena paketa { $package } od { $effective }
price-change = Mesečna pretplata za paket { $package } menja se sa { $old_fee } na { $new_fee } od { $effective }.
price-change-unfavourable-subject = Nova cena paketa { $package } od { $effective }
price-change-unfavourable = Mesečna pretplata za paket { $package } menja se sa { $old_fee } na { $new_fee } od { $effective }. Izmena je za vas nepovoljna: od { $from } do { $to } možete raskinuti ugovor za broj { $number } bez naknade.

package-withdrawn-subject = Paket { $package } se ukida { $effective }
package-withdrawn = Paket { $package } se povlači iz ponude { $effective }. Od tog dana vaš ugovor se nastavlja na paketu { $new_package }, najbližem iz naše ponude, uz mesečnu pretplatu od { $new_fee }.

terms-change-subject = Opšti uslovi se menjaju od { $effective }
terms-change = Naši opšti uslovi se menjaju od { $effective }: { $summary }
terms-change-unfavourable-subject = Opšti uslovi se menjaju od { $effective }
terms-change-unfavourable = Naši opšti uslovi se menjaju od { $effective }: { $summary } Izmena je za vas nepovoljna: od { $from } do { $to } možete raskinuti ugovore bez naknade i bez otkaznog roka.

number-change-subject = Vaš broj { $number } se menja { $effective }
number-change = Vaš broj { $number } postaje { $new_number } od { $effective }.

complaint-upheld-subject = Vaš prigovor na račun { $bill } je usvojen
complaint-upheld = Vaš prigovor na račun { $bill } je usvojen; iznos od { $credit } biće odobren na sledećem računu.
complaint-rejected-subject = Odluka o vašem prigovoru na račun { $bill }
complaint-rejected = Vaš prigovor na račun { $bill } je odbijen, uz navedeno obrazloženje. Regulatoru se možete obratiti do { $appeal_by }.

abuse-warning-subject = Upozorenje o korišćenju broja { $number }
abuse-warning = Utvrdili smo korišćenje broja { $number } koje uslovi zabranjuju. Ovo je upozorenje: ako se nastavi, odlazni saobraćaj biće isključen najmanje { $days } dana.

abuse-suspension-subject = Odlazni saobraćaj sa { $number } je isključen
abuse-suspension = Odlazni saobraćaj sa broja { $number } je isključen zbog korišćenja koje uslovi zabranjuju, najmanje do { $until }. Potpišite izjavu da se zloupotreba neće ponoviti do { $remedy_by }; u suprotnom broj će biti trajno isključen.

abuse-deadline-subject = Potrebno je postupiti za { $number } do { $remedy_by }
abuse-deadline = Broj { $number } biće trajno isključen ako nedostatak na koji smo ukazali ne bude otklonjen do { $remedy_by }.

abuse-disconnection-subject = Broj { $number } je isključen
abuse-disconnection = Broj { $number } je trajno isključen zbog korišćenja koje uslovi zabranjuju i ugovor je prestao.

unlock-code-ready-subject = Stigao je kod za otključavanje uređaja { $model }
unlock-code-ready = Proizvođač je dostavio kod za otključavanje vašeg uređaja { $model } (IMEI { $imei }). Unesite ga pažljivo: više od { $attempts } pogrešnih unosa onemogućava otključavanje kodom, a dalje otključavanje je o vašem trošku.

credit-note-issued-subject = Knjižno odobrenje { $bill }
credit-note-issued = Knjižnim odobrenjem { $bill } vaš račun za period od { $from } do { $to } umanjuje se za { $credited }: za uplatu ostaje { $total_due }.
credit-note-issued-nothing-due-subject = Knjižno odobrenje { $bill }
credit-note-issued-nothing-due = Knjižnim odobrenjem { $bill } vaš račun za period od { $from } do { $to } umanjuje se za { $credited }: nema iznosa za uplatu; u vašu korist ostaje { $credit }.
