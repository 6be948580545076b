# Értesítések az előfizetőknek (NOT-3), magyarul.

rules-cited = Szabályok: { $rules }.

commitment-ending-subject = A(z) { $number } hűségideje { $ends_on } napon lejár
commitment-ending = { $notice }. értesítés ({ $count } közül): a(z) { $number } hűségideje { $ends_on } napon lejár. Ezt követően a szerződés változatlan feltételekkel, határozatlan időre folytatódik, és bármikor következmények nélkül felmondható. A csomagjához legközelebb álló nyilvános ajánlat: { $offer }, havi { $offer_fee }; helyette bármely nyilvános ajánlatot választhatja.
commitment-ending-no-offer-subject = A(z) { $number } hűségideje { $ends_on } napon lejár
commitment-ending-no-offer = { $notice }. értesítés ({ $count } közül): a(z) { $number } hűségideje { $ends_on } napon lejár. Ezt követően a szerződés változatlan feltételekkel, határozatlan időre folytatódik, és bármikor következmények nélkül felmondható. Bármely nyilvános ajánlatot választhatja.

bill-issued-subject = A(z) { $bill } számla
bill-issued = Elkészült a(z) { $bill } számla a(z) { $from } – { $to } időszakra: { $total_due } fizetendő { $due_on } napig.
bill-issued-nothing-due-subject = A(z) { $bill } számla
bill-issued-nothing-due = Elkészült a(z) { $bill } számla a(z) { $from } – { $to } időszakra: nincs fizetendő összeg; { $credit } javára marad.

dunning-subject = A(z) { $bill } számla lejárt
dunning = A(z) { $bill } számla { $due_on } napon esedékes volt, és { $open } még kifizetetlen. Kérjük, fizessen { $deadline } napig; ellenkező esetben a kimenő hívásokat korlátozzuk (a segélyhívó és az ügyfélszolgálati számok elérhetők maradnak), majd { $window } nap múlva a hívószámot véglegesen kikapcsoljuk.

suspension-unpaid-subject = A(z) { $number } kimenő hívásai korlátozva
suspension-unpaid = A(z) { $number } kimenő hívásait korlátoztuk, mert a(z) { $bill } számla kifizetetlen. Ha { $window } napon belül fizet, visszakapcsoljuk; a segélyhívó és az ügyfélszolgálati számok elérhetők maradnak.

disconnection-unpaid-subject = A(z) { $number } kikapcsolva
disconnection-unpaid = A(z) { $number } hívószámot nemfizetés miatt véglegesen kikapcsoltuk, a szerződés megszűnt.

reconnection-subject = A(z) { $number } kimenő hívásai visszakapcsolva
reconnection = Köszönjük a befizetést: a(z) { $number } kimenő hívásait visszakapcsoltuk.

price-change-subject = A(z) { $package } új díja { $effective } naptól
price-change = A(z) { $package } havi díja { $effective } naptól { $old_fee } helyett { $new_fee }.
price-change-unfavourable-subject = A(z) { $package } új díja { $effective } naptól
price-change-unfavourable = A(z) { $package } havi díja { $effective } naptól { $old_fee } helyett { $new_fee }. A módosítás Önre nézve hátrányos: { $from } és { $to } között a(z) { $number } szerződését díjmentesen felmondhatja.

package-withdrawn-subject = A(z) { $package } csomag { $effective } naptól megszűnik
package-withdrawn = A(z) { $package } csomagot { $effective } naptól kivezetjük. Ettől a naptól szerződése a legközelebbi ajánlatunkkal, a(z) { $new_package } csomaggal folytatódik, havi { $new_fee } díjjal.

terms-change-subject = Általános szerződési feltételeink { $effective } naptól változnak
terms-change = Általános szerződési feltételeink { $effective } naptól változnak: { $summary }
terms-change-unfavourable-subject = Általános szerződési feltételeink { $effective } naptól változnak
terms-change-unfavourable = Általános szerződési feltételeink { $effective } naptól változnak: { $summary } A módosítás Önre nézve hátrányos: { $from } és { $to } között szerződéseit díjmentesen, felmondási idő nélkül felmondhatja.

number-change-subject = A(z) { $number } hívószám { $effective } naptól megváltozik
number-change = A(z) { $number } hívószám { $effective } naptól { $new_number } lesz.

complaint-upheld-subject = A(z) { $bill } számlára tett panaszának helyt adtunk
complaint-upheld = A(z) { $bill } számlára tett panaszának helyt adtunk; { $credit } összeget a következő számlán jóváírunk.
complaint-rejected-subject = Döntés a(z) { $bill } számlára tett panaszáról
complaint-rejected = A(z) { $bill } számlára tett panaszát indoklással elutasítottuk. { $appeal_by } napig a hatósághoz fordulhat.

abuse-warning-subject = Figyelmeztetés a(z) { $number } használatáról
abuse-warning = A(z) { $number } olyan használatát észleltük, amelyet a feltételek tiltanak. Ez figyelmeztetés: ha folytatódik, a kimenő forgalmat legalább { $days } napra korlátozzuk.

abuse-suspension-subject = A(z) { $number } kimenő forgalma korlátozva
abuse-suspension = A(z) { $number } kimenő forgalmát a feltételek által tiltott használat miatt legalább { $until } napig korlátoztuk. { $remedy_by } napig írja alá a nyilatkozatot, hogy a visszaélés nem ismétlődik meg; ellenkező esetben a hívószámot véglegesen kikapcsoljuk.

abuse-deadline-subject = Teendő a(z) { $number } ügyében { $remedy_by } napig
abuse-deadline = A(z) { $number } hívószámot véglegesen kikapcsoljuk, ha a jelzett problémát { $remedy_by } napig nem orvosolják.

abuse-disconnection-subject = A(z) { $number } kikapcsolva
abuse-disconnection = A(z) { $number } hívószámot a feltételek által tiltott használat miatt véglegesen kikapcsoltuk, a szerződés megszűnt.

unlock-code-ready-subject = Megérkezett a(z) { $model } feloldó kódja
unlock-code-ready = A gyártó megküldte a(z) { $model } készülék (IMEI { $imei }) feloldó kódját. Gondosan adja meg: { $attempts } hibás próbálkozásnál több letiltja a kódos feloldást, és a további feloldás az Ön költségére történik.

credit-note-issued-subject = A(z) { $bill } helyesbítő számla
credit-note-issued = A(z) { $bill } helyesbítő számla { $credited } összeget ír jóvá a(z) { $from } – { $to } időszak számlájából: { $total_due } marad fizetendő.
credit-note-issued-nothing-due-subject = A(z) { $bill } helyesbítő számla
credit-note-issued-nothing-due = A(z) { $bill } helyesbítő számla { $credited } összeget ír jóvá a(z) { $from } – { $to } időszak számlájából: nincs fizetendő összeg; { $credit } javára marad.
