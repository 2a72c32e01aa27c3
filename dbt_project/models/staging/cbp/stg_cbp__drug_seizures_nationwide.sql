-- CBP seizure events and pounds (OFO field offices and USBP sectors) by calendar month, AOR and drug.
{{ stg_cbp_seizures('cbp_drug_seizures_nationwide') }}
