import { ArrowLeftIcon } from 'lucide-react';
import { useNavigate, useParams } from 'react-router';

import { Button } from '@/components/ui/button';

import { ImageDetail } from '../image-detail';

export function ImageRoute() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  return (
    <div className="mx-auto grid w-full max-w-4xl gap-4">
      <div className="flex items-center gap-2">
        <Button variant="ghost" size="sm" onClick={() => void navigate(-1)}>
          <ArrowLeftIcon /> Back
        </Button>
        <h1 className="truncate font-mono text-sm text-muted-foreground">{id}</h1>
      </div>
      <ImageDetail imageId={id} onOpen={(next) => void navigate(`/images/${encodeURIComponent(next)}`)} />
    </div>
  );
}
