-- CBP seizure events and pounds (Air and Marine Operations branches) by calendar month, AOR and drug.
{{ stg_cbp_seizures('cbp_drug_seizures_amo') }}
