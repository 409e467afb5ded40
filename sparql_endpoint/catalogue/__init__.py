"""What describes the data: VoID, the DCAT catalogue, the ontology, discovery files and dumps."""
